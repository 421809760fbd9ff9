import type { ChannelName } from './channels.js';

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
}

export function topicNames(prefix = ''): TopicNames {
  return Object.freeze({
    events: `${prefix}herald.events`,
    rejected: `${prefix}herald.events.rejected`,
    status: `${prefix}herald.status`,
    dlq: `${prefix}herald.dlq`,
    deliveries: (channel: ChannelName) => `${prefix}herald.deliveries.${channel}`,
  });
}

/** Consumer group names, one per stage (and per channel for workers). */
export const consumerGroups = Object.freeze({
  router: (prefix = '') => `${prefix}herald-router`,
  worker: (channel: ChannelName, prefix = '') => `${prefix}herald-worker-${channel}`,
  auditor: (prefix = '') => `${prefix}herald-auditor`,
});
