import { isHeraldError, topicNames } from '@herald/core';
import {
  defaultMinInsyncReplicas,
  heraldTopicConfig,
  heraldTopicOptions,
} from './herald-topics.js';

const base = { HERALD_KAFKA_MAX_RECORD_BYTES: 1_048_588, HERALD_DLQ_RETENTION_MS: 1000 };

it('defaults min.insync.replicas to 2 from three replicas up, else 1', () => {
  expect([1, 2, 3, 5].map(defaultMinInsyncReplicas)).toEqual([1, 1, 2, 2]);
  const options = heraldTopicOptions({ ...base, HERALD_TOPIC_REPLICATION: 3 });
  expect(options.minInsyncReplicas).toBe(2);
  const topics = topicNames('p.');
  expect(heraldTopicConfig(topics.events, topics, options)['min.insync.replicas']).toBe('2');
});

it('takes HERALD_TOPIC_MIN_INSYNC_REPLICAS and refuses more than the replication factor', () => {
  expect(
    heraldTopicOptions({
      ...base,
      HERALD_TOPIC_REPLICATION: 3,
      HERALD_TOPIC_MIN_INSYNC_REPLICAS: 3,
    }).minInsyncReplicas,
  ).toBe(3);
  let thrown: unknown;
  try {
    heraldTopicOptions({
      ...base,
      HERALD_TOPIC_REPLICATION: 1,
      HERALD_TOPIC_MIN_INSYNC_REPLICAS: 2,
    });
  } catch (err) {
    thrown = err;
  }
  expect(isHeraldError(thrown) && thrown.code).toBe('HERALD_ERR_CONFIG_INVALID');
  expect((thrown as Error).message).toContain('HERALD_TOPIC_MIN_INSYNC_REPLICAS is 2');
});
