import { statusEventFor, type ConsumedRecord, type DeliveryJob } from '@herald/core';
import { queuedToHold, type DecodedStatus } from './hold-queued.js';

const job = (n: string): DeliveryJob => ({
  notificationId: `00000000-0000-4000-8000-${n.padStart(12, '0')}`,
  event: { id: `evt-${n}`, source: 's', type: 'order.shipped', time: '2026-11-01T00:00:00Z' },
  tenant: 'acme',
  rule: { id: 'r', version: 1 },
  channel: 'email',
  recipient: { ref: 'bob', address: 'bob@example.com' },
  priority: 'normal',
  attempt: 1,
  payload: {},
  plannedAt: '2026-11-01T00:00:00Z',
});

let offset = 0;
/** A status of notification `n` in `state`, its record stamped at `timestamp` ms. */
const status = (n: string, state: 'queued' | 'sent', timestamp: number): DecodedStatus => ({
  record: {
    topic: 'herald.status',
    partition: 0,
    offset: String(offset++),
    key: null,
    value: null,
    headers: {},
    timestamp,
  } satisfies ConsumedRecord,
  event: statusEventFor(job(n), state, 'test', new Date(timestamp)),
});

describe('queuedToHold', () => {
  const options = { holdMs: 1_000, max: 10, now: 10_000 };

  it('holds a queued status without its outcome in the chunk; one with it, or any other state, is written', () => {
    const chunk = [
      status('1', 'queued', 9_500),
      status('2', 'queued', 9_600),
      status('1', 'sent', 9_700),
      status('3', 'sent', 9_800),
    ];
    const held = queuedToHold(chunk, options);
    expect(held?.records).toEqual([chunk[1]!.record]);
    expect(held?.until).toBe(10_600);
  });

  it('holds only records younger than the bound (a timestamp ahead of the clock never), and none at 0', () => {
    const chunk = [
      status('1', 'queued', 8_999), // older than 1 s: written
      status('2', 'queued', 9_001),
      status('3', 'queued', 10_001), // ahead of the clock: written
    ];
    expect(queuedToHold(chunk, options)?.records).toEqual([chunk[1]!.record]);
    expect(queuedToHold(chunk, { ...options, holdMs: 0 })).toBeUndefined();
  });

  it('holds at most max, the first in chunk order, until the first of them expires', () => {
    const chunk = [
      status('1', 'queued', 9_700),
      status('2', 'queued', 9_100),
      status('3', 'queued', 9_900),
    ];
    const held = queuedToHold(chunk, { ...options, max: 2 });
    expect(held?.records).toEqual([chunk[0]!.record, chunk[1]!.record]);
    expect(held?.until).toBe(10_100);
  });
});
