/**
 * Topics Herald creates carry the replication factor and min.insync.replicas of its
 * settings. On the single local broker that is 1 and 1; run with the three-broker
 * cluster's env (`deploy/local/stack.sh cluster env`: KAFKA_BROKERS of three brokers,
 * HERALD_TOPIC_REPLICATION=3, HERALD_TOPIC_MIN_INSYNC_REPLICAS=2) it checks 3 and 2.
 */
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { topicNames } from '@herald/core';
import { deleteTopics, ensureTopics, heraldTopicOptions, heraldTopicSpecs } from '@herald/kafka';
import { stackEnv, stackTopicSettings, uniquePrefix } from '@herald/testkit';

const prefix = uniquePrefix();
const topics = topicNames(prefix);
const kafka = new Kafka({
  clientId: 'topic-replication-test',
  brokers: stackEnv().KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
const settings = stackTopicSettings();
const replication = Number(settings.HERALD_TOPIC_REPLICATION ?? 1);
const options = heraldTopicOptions({
  HERALD_KAFKA_MAX_RECORD_BYTES: 1_048_588,
  HERALD_DLQ_RETENTION_MS: 86_400_000,
  HERALD_TOPIC_REPLICATION: replication,
  ...(settings.HERALD_TOPIC_MIN_INSYNC_REPLICAS === undefined
    ? {}
    : { HERALD_TOPIC_MIN_INSYNC_REPLICAS: Number(settings.HERALD_TOPIC_MIN_INSYNC_REPLICAS) }),
});
const specs = heraldTopicSpecs(topics, 2, replication, options);

afterAll(() =>
  deleteTopics(
    kafka,
    specs.map((s) => s.topic),
  ),
);

it('creates every Herald topic with the configured replication factor and min.insync.replicas', async () => {
  await ensureTopics(kafka, specs);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const names = specs.map((s) => s.topic);
    const { topics: described } = await admin.fetchTopicMetadata({ topics: names });
    for (const topic of described)
      for (const partition of topic.partitions)
        expect(partition.replicas).toHaveLength(replication);
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['min.insync.replicas'],
      })),
    });
    const minInsync = resources.map((r) => r.configEntries[0]?.configValue);
    expect(new Set(minInsync)).toEqual(new Set([String(options.minInsyncReplicas)]));
    expect(options.minInsyncReplicas).toBe(
      Number(settings.HERALD_TOPIC_MIN_INSYNC_REPLICAS ?? (replication >= 3 ? 2 : 1)),
    );
  } finally {
    await admin.disconnect();
  }
});
