import {
  consumerGroups,
  delayTiers,
  type ChannelName,
  type Logger,
  type TopicNames,
} from '@herald/core';
import { createChunkHandler, type DeliveryPipeline } from '@herald/delivery';
import {
  deliveryLaneTopicSpecs,
  ensureTopics,
  heraldTopicOptions,
  heraldTopicSpecs,
  StageConsumer,
  type KafkaClient,
} from '@herald/kafka';
import { traceProcess } from '@herald/telemetry';
import type { WorkerEnv } from './env.js';

interface LaneContext {
  readonly env: WorkerEnv;
  readonly kafka: KafkaClient;
  readonly topics: TopicNames;
  readonly channels: readonly ChannelName[];
  readonly log: Logger;
  /** Called when a lane has been out of its group longer than HERALD_DEPENDENCY_OUTAGE_MS. */
  readonly onOutage?: (err: Error) => void;
}

/** Creates the Herald topics and every served channel's lanes (main, critical, delay tiers). */
export async function ensureLaneTopics({ env, kafka, topics, channels }: LaneContext) {
  const topicOptions = heraldTopicOptions(env);
  const specs = [
    ...heraldTopicSpecs(
      topics,
      env.HERALD_TOPIC_PARTITIONS,
      env.HERALD_TOPIC_REPLICATION,
      topicOptions,
    ),
    ...deliveryLaneTopicSpecs(
      topics,
      channels,
      env.HERALD_TOPIC_PARTITIONS,
      env.HERALD_TOPIC_REPLICATION,
      topicOptions,
    ),
  ];
  await ensureTopics(kafka, [...new Map(specs.map((s) => [s.topic, s])).values()]);
}

/**
 * The three lanes of every channel, each a StageConsumer (own consumer group and
 * concurrency) over the pipeline, each record in its `process` trace span; and the
 * groups, for the lag collector. Not started.
 */
export function laneConsumers(
  { env, kafka, topics, channels, log, onOutage }: LaneContext,
  pipeline: DeliveryPipeline,
) {
  const base = {
    outageLimitMs: env.HERALD_DEPENDENCY_OUTAGE_MS,
    ...(onOutage === undefined ? {} : { onOutage }),
    kafka,
    logger: log,
    shutdownTimeoutMs: env.HERALD_SHUTDOWN_TIMEOUT_MS,
    compression: env.HERALD_KAFKA_COMPRESSION,
    maxRecordBytes: env.HERALD_KAFKA_MAX_RECORD_BYTES,
    deadLetterTopic: topics.dlq,
  };
  const groups: { group: string; topics: string[] }[] = [];
  const stage = (groupId: string, laneTopics: string[]) => {
    groups.push({ group: groupId, topics: laneTopics });
    return {
      ...base,
      groupId,
      topics: laneTopics,
      handler: createChunkHandler(pipeline, {
        concurrency: env.HERALD_WORKER_CONCURRENCY,
        around: (record, run) =>
          traceProcess(
            {
              topic: record.topic,
              partition: record.partition,
              offset: record.offset,
              group: groupId,
              key: record.key,
              headers: record.headers,
            },
            run,
          ),
      }),
      chunkSize: env.HERALD_WORKER_CHUNK_SIZE,
      partitionsConsumedConcurrently: env.HERALD_WORKER_PARTITIONS_CONCURRENCY,
      minBytes: env.HERALD_KAFKA_FETCH_MIN_BYTES,
      maxWaitTimeMs: env.HERALD_KAFKA_FETCH_MAX_WAIT_MS,
      commitIntervalMs: env.HERALD_KAFKA_COMMIT_INTERVAL_MS,
    };
  };
  const consumers: StageConsumer[] = [];
  for (const channel of channels) {
    const tierDelay = new Map<string, number>(
      delayTiers.map((tier) => [topics.delayed(channel, tier), tier.ms]),
    );
    consumers.push(
      new StageConsumer(
        stage(consumerGroups.workerCritical(channel, env.HERALD_TOPIC_PREFIX), [
          topics.criticalDeliveries(channel),
        ]),
      ),
      new StageConsumer(
        stage(consumerGroups.worker(channel, env.HERALD_TOPIC_PREFIX), [
          topics.deliveries(channel),
        ]),
      ),
      new StageConsumer({
        ...stage(consumerGroups.workerDelayed(channel, env.HERALD_TOPIC_PREFIX), [
          ...tierDelay.keys(),
        ]),
        partitionsConsumedConcurrently: 6,
        // With every tier partition paused kafkajs sleeps this long before fetching again;
        // a due job is fetched at once (no minimum size).
        maxWaitTimeMs: 200,
        minBytes: 1,
        releaseAt: (topic, timestamp) => timestamp + (tierDelay.get(topic) ?? 0),
      }),
    );
  }
  return { consumers, groups };
}
