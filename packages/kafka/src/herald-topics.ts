import { channelNames, type TopicNames } from '@herald/core';
import type { TopicSpec } from './ensure-topics.js';

/** Every topic Herald uses, with partition counts from configuration. */
export function heraldTopicSpecs(
  topics: TopicNames,
  partitions: number,
  replicationFactor: number,
): TopicSpec[] {
  const names = [
    topics.events,
    topics.rejected,
    topics.status,
    topics.dlq,
    ...channelNames.map((c) => topics.deliveries(c)),
  ];
  return names.map((topic) => ({ topic, partitions, replicationFactor }));
}
