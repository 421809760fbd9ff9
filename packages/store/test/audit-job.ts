import type { DeliveryJob } from '@herald/core';

const EVENT_TIME = '2026-11-20T08:00:00.000Z';

/**
 * A delivery job for the audit tests to write statuses of: attempt 1 of a webhook job of
 * rule r1 (version 1) for tenant acme, its event at a fixed time (any date, any time
 * zone), unless `options` say otherwise.
 */
export function auditJob(
  notificationId: string,
  eventId: string,
  options: { recipient?: string; address?: string; eventTime?: string } & Partial<
    Omit<DeliveryJob, 'recipient'>
  > = {},
): DeliveryJob {
  const {
    recipient = 'u1',
    address = 'http://127.0.0.1/x',
    eventTime = EVENT_TIME,
    ...job
  } = options;
  return {
    notificationId,
    event: { id: eventId, source: 's', type: 'order.shipped', time: eventTime },
    tenant: 'acme',
    rule: { id: 'r1', version: 1 },
    channel: 'webhook',
    recipient: { ref: recipient, address },
    priority: 'normal',
    attempt: 1,
    payload: {},
    plannedAt: eventTime,
    ...job,
  };
}
