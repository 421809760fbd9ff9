import { encodeDeliveryJob, type ConsumedRecord, type DeliveryJob } from '@herald/core';

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
