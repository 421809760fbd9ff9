import {
  HeraldError,
  channelNames,
  DEFAULT_DLQ_RETENTION_MS,
  DEFAULT_MAX_RECORD_BYTES,
  delayTiers,
  type ChannelName,
  type TopicNames,
} from '@herald/core';
import type { TopicSpec } from './ensure-topics.js';

/** Topic settings Herald applies to the topics it creates (existing topics are not changed). */
export interface HeraldTopicOptions {
  /** `max.message.bytes` of every topic: HERALD_KAFKA_MAX_RECORD_BYTES, the limit stages check. */
  readonly maxRecordBytes?: number;
  /** `retention.ms` of herald.dlq: HERALD_DLQ_RETENTION_MS (-1: for ever). */
  readonly dlqRetentionMs?: number;
  /** `min.insync.replicas` of every topic: HERALD_TOPIC_MIN_INSYNC_REPLICAS (or its default). */
  readonly minInsyncReplicas?: number;
}

/**
 * The default `min.insync.replicas` for a replication factor: 2 from three replicas up
 * (one broker may die and producers with acks=all go on), else 1 (with two replicas,
 * 2 would stop every write while either broker is away).
 */
export function defaultMinInsyncReplicas(replicationFactor: number): number {
  return replicationFactor >= 3 ? 2 : 1;
}

/** The settings of `kafkaEnv()` that become topic configuration. */
export function heraldTopicOptions(env: {
  readonly HERALD_KAFKA_MAX_RECORD_BYTES: number;
  readonly HERALD_DLQ_RETENTION_MS: number;
  readonly HERALD_TOPIC_REPLICATION: number;
  readonly HERALD_TOPIC_MIN_INSYNC_REPLICAS?: number | undefined;
}): HeraldTopicOptions {
  const replication = env.HERALD_TOPIC_REPLICATION;
  const minInsync = env.HERALD_TOPIC_MIN_INSYNC_REPLICAS ?? defaultMinInsyncReplicas(replication);
  // More in-sync replicas than copies: every produce would fail with NOT_ENOUGH_REPLICAS.
  if (minInsync > replication) {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', [
      `HERALD_TOPIC_MIN_INSYNC_REPLICAS is ${minInsync} but HERALD_TOPIC_REPLICATION is ${replication}: it must be at most the replication factor`,
    ]);
  }
  return {
    maxRecordBytes: env.HERALD_KAFKA_MAX_RECORD_BYTES,
    dlqRetentionMs: env.HERALD_DLQ_RETENTION_MS,
    minInsyncReplicas: minInsync,
  };
}

/**
 * The configuration of a topic Herald creates. Every topic states its
 * `max.message.bytes`, so the limit the stages check is the broker's, whatever the
 * broker default; herald.dlq keeps dead letters far beyond Kafka's 7-day default (an
 * expired dead letter is a lost notification nobody was told about).
 */
export function heraldTopicConfig(
  topic: string,
  topics: TopicNames,
  options: HeraldTopicOptions = {},
): Record<string, string> {
  return {
    'max.message.bytes': String(options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES),
    ...(options.minInsyncReplicas === undefined
      ? {}
      : { 'min.insync.replicas': String(options.minInsyncReplicas) }),
    ...(topic === topics.dlq
      ? { 'retention.ms': String(options.dlqRetentionMs ?? DEFAULT_DLQ_RETENTION_MS) }
      : {}),
  };
}

/** A topic Herald creates, with its partitions, replication and configuration. */
export function heraldTopicSpec(
  topic: string,
  topics: TopicNames,
  partitions: number,
  replicationFactor: number,
  options: HeraldTopicOptions = {},
): TopicSpec {
  return {
    topic,
    partitions,
    replicationFactor,
    config: heraldTopicConfig(topic, topics, options),
  };
}

/** Every topic Herald uses, with partition counts from configuration. */
export function heraldTopicSpecs(
  topics: TopicNames,
  partitions: number,
  replicationFactor: number,
  options: HeraldTopicOptions = {},
): TopicSpec[] {
  const names = [
    topics.events,
    topics.rejected,
    topics.status,
    topics.dlq,
    ...channelNames.map((c) => topics.deliveries(c)),
  ];
  return names.map((topic) =>
    heraldTopicSpec(topic, topics, partitions, replicationFactor, options),
  );
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
  options: HeraldTopicOptions = {},
): TopicSpec[] {
  return channels.flatMap((channel) =>
    deliveryLaneTopics(topics, channel).map((topic) =>
      heraldTopicSpec(topic, topics, partitions, replicationFactor, options),
    ),
  );
}
