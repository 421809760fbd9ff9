import {
  encodeDeliveryJob,
  silentLogger,
  type ConsumedRecord,
  type DeliveryJob,
  type TopicNames,
} from '@herald/core';
import {
  BreakerRegistry,
  defaultRetryPolicies,
  IdempotencyStore,
  type MarksRedis,
  type PipelineDeps,
  type SendPort,
} from '@herald/delivery';

/** Webhook job `n` of a test, its notification id `${idPrefix}n${n}`, recipient `r${n}`. */
export const webhookJob = (idPrefix: string, n: number): DeliveryJob => ({
  notificationId: `${idPrefix}n${n}`,
  event: { id: `e${n}`, source: 's', type: 't' },
  tenant: 'acme',
  rule: { id: 'r', version: 1 },
  channel: 'webhook',
  recipient: { ref: `r${n}`, address: 'https://example.com/h' },
  priority: 'normal',
  attempt: 1,
  payload: { n },
  plannedAt: '2029-12-31T23:59:00.000Z',
});

/**
 * `job` as consumed from `topic` at `offset` of partition 0, keyed by its recipient:
 * different keys, so a chunk's jobs run concurrently, as one chunk's recipients do.
 */
export const jobRecord = (topic: string, job: DeliveryJob, offset: number): ConsumedRecord => ({
  topic,
  partition: 0,
  offset: String(offset),
  timestamp: 0,
  key: Buffer.from(job.recipient.ref),
  value: encodeDeliveryJob(job),
  headers: {},
});

/**
 * A delivery pipeline's settings for the Redis tests: real leases and marks on `marks`
 * under `keyPrefix`, a fixed clock and jitter, and no size limit in the way.
 */
export function webhookPipelineDeps(options: {
  readonly topics: TopicNames;
  readonly channels: SendPort;
  readonly marks: MarksRedis;
  readonly keyPrefix: string;
  readonly instanceId: string;
}): PipelineDeps {
  const { topics, channels, marks, keyPrefix, instanceId } = options;
  return {
    topics,
    channels,
    retryPolicies: defaultRetryPolicies,
    breakers: new BreakerRegistry(),
    idempotency: new IdempotencyStore(marks, { keyPrefix, leaseMs: 60_000 }),
    instanceId,
    poisonMaxTries: 3,
    maxRecordBytes: 1_000_000,
    recordSize: (m) => ({ fits: true, bytes: m.value.length }),
    log: silentLogger,
    now: () => new Date(Date.parse('2030-01-01T00:00:00.000Z')),
    random: () => 0.5,
  };
}
