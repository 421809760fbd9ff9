import type { ChannelName, Priority } from './channels.js';

/**
 * The delay lanes' tiers, shortest first. A job waiting for a time (retry backoff,
 * quiet hours, an open circuit, a rate limit) goes to the longest tier not longer than
 * its remaining wait; every record of a tier waits exactly the tier's delay after it
 * was written, so a tier partition releases records in order and its head never hides
 * a record that is due earlier.
 */
export const delayTiers = [
  { name: '1s', ms: 1_000 },
  { name: '10s', ms: 10_000 },
  { name: '1m', ms: 60_000 },
  { name: '10m', ms: 600_000 },
  { name: '1h', ms: 3_600_000 },
] as const;

export type DelayTier = (typeof delayTiers)[number];

/**
 * Herald's topic names. A prefix (e.g. `staging.` or a test run's `t-1234.`) lets
 * several installations, or several test runs, share one Kafka cluster.
 */
export interface TopicNames {
  readonly events: string;
  readonly rejected: string;
  readonly status: string;
  readonly dlq: string;
  deliveries(channel: ChannelName): string;
  /** The priority lane of a channel: `critical` and `high` jobs, own consumers. */
  criticalDeliveries(channel: ChannelName): string;
  /** A delay tier of a channel, e.g. `herald.deliveries.webhook.delay-10s`. */
  delayed(channel: ChannelName, tier: DelayTier): string;
}

export function topicNames(prefix = ''): TopicNames {
  return Object.freeze({
    events: `${prefix}herald.events`,
    rejected: `${prefix}herald.events.rejected`,
    status: `${prefix}herald.status`,
    dlq: `${prefix}herald.dlq`,
    deliveries: (channel: ChannelName) => `${prefix}herald.deliveries.${channel}`,
    criticalDeliveries: (channel: ChannelName) => `${prefix}herald.deliveries.${channel}.critical`,
    delayed: (channel: ChannelName, tier: DelayTier) =>
      `${prefix}herald.deliveries.${channel}.delay-${tier.name}`,
  });
}

/** Priorities that travel on a channel's priority lane (password resets, alerts). */
export const priorityLanePriorities: readonly Priority[] = ['critical', 'high'];

/**
 * The topic a router publishes a job to: the channel's priority lane for `critical`
 * and `high` jobs, its main topic otherwise, so a bulk campaign never delays a
 * password reset.
 *
 * @example
 * producer.send({ topic: deliveryTopicFor(topics, job), messages: [...] });
 */
export function deliveryTopicFor(
  topics: TopicNames,
  job: { readonly channel: ChannelName; readonly priority: Priority },
): string {
  return priorityLanePriorities.includes(job.priority)
    ? topics.criticalDeliveries(job.channel)
    : topics.deliveries(job.channel);
}

/**
 * The delay tier for a wait: the longest tier not longer than `remainingMs`
 * (the shortest when the wait is shorter than every tier).
 */
export function delayTierFor(remainingMs: number): DelayTier {
  let chosen: DelayTier = delayTiers[0];
  for (const tier of delayTiers) if (tier.ms <= remainingMs) chosen = tier;
  return chosen;
}

/** Consumer group names, one per stage (and per channel for workers). */
export const consumerGroups = Object.freeze({
  router: (prefix = '') => `${prefix}herald-router`,
  worker: (channel: ChannelName, prefix = '') => `${prefix}herald-worker-${channel}`,
  /** The worker's group for a channel's priority lane. */
  workerCritical: (channel: ChannelName, prefix = '') =>
    `${prefix}herald-worker-${channel}-critical`,
  /** The worker's group for a channel's delay tiers. */
  workerDelayed: (channel: ChannelName, prefix = '') => `${prefix}herald-worker-${channel}-delayed`,
  auditor: (prefix = '') => `${prefix}herald-auditor`,
});
