import { channelNames, delayTiers, type ChannelName, type TopicNames } from '@herald/core';
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

/**
 * A channel's delivery lanes: main topic, priority lane and delay tiers. Workers create
 * them for the channels they serve (heraldTopicSpecs has the main topics of every channel).
 */
export function deliveryLaneTopics(topics: TopicNames, channel: ChannelName): string[] {
  return [
    topics.deliveries(channel),
    topics.criticalDeliveries(channel),
    ...delayTiers.map((tier) => topics.delayed(channel, tier)),
  ];
}

export function deliveryLaneTopicSpecs(
  topics: TopicNames,
  channels: readonly ChannelName[],
  partitions: number,
  replicationFactor: number,
): TopicSpec[] {
  return channels.flatMap((channel) =>
    deliveryLaneTopics(topics, channel).map((topic) => ({ topic, partitions, replicationFactor })),
  );
}
