import { deterministicId, statusEventFor, type DeliveryJob } from '@herald/core';
import {
  attemptRow,
  canonicalTime,
  mergeAttemptRows,
  mergeNotificationRows,
  notificationRow,
  stateRank,
} from './audit-rows.js';

const job: DeliveryJob = {
  notificationId: deterministicId('e', 'r', 'a', 'email'),
  event: { id: 'e', source: 's', type: 't', time: '2026-11-01T00:00:00Z' },
  tenant: 'acme',
  rule: { id: 'r', version: 1 },
  channel: 'email',
  recipient: { ref: 'a', address: 'a@example.com' },
  priority: 'normal',
  attempt: 1,
  payload: {},
  plannedAt: '2026-11-01T00:00:00Z',
};
const row = (state: Parameters<typeof statusEventFor>[1], seconds: number, attempt = 1) =>
  notificationRow(
    statusEventFor(
      { ...job, attempt },
      state,
      'test',
      new Date(Date.UTC(2026, 10, 1, 0, 0, seconds)),
    ),
  );

describe('stateRank', () => {
  it('orders progress, then outcomes, then receipts, within an attempt', () => {
    const order = [
      'queued',
      'deferred',
      'sending',
      'retrying',
      'sent',
      'failed',
      'dead_lettered',
      'delivered',
      'bounced',
    ] as const;
    const ranks = order.map((s) => stateRank(s, 1));
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
  });

  it("a later attempt outranks the previous attempt's progress", () => {
    expect(stateRank('sending', 2)).toBeGreaterThan(stateRank('retrying', 1));
    // Without `sending` (the default since issue 19, round 5), attempt 2's outcome alone
    // must supersede attempt 1's retrying, whichever it is.
    expect(stateRank('retrying', 2)).toBeGreaterThan(stateRank('retrying', 1));
    expect(stateRank('sent', 2)).toBeGreaterThan(stateRank('retrying', 1));
    expect(stateRank('dead_lettered', 2)).toBeGreaterThan(stateRank('retrying', 1));
    expect(stateRank('failed', 1, true)).toBeLessThan(stateRank('retrying', 1));
    expect(stateRank('sent', 1)).toBeLessThan(stateRank('delivered', 1));
  });

  it("no later attempt's progress or retryable failure outranks a receiver's acceptance", () => {
    for (const state of ['queued', 'deferred', 'sending', 'retrying'] as const) {
      expect(stateRank('sent', 1)).toBeGreaterThan(stateRank(state, 9));
      expect(stateRank('delivered', 2)).toBeGreaterThan(stateRank(state, 9));
    }
    expect(stateRank('sent', 1)).toBeGreaterThan(stateRank('failed', 9, true));
    expect(stateRank('sent', 2)).toBeGreaterThan(stateRank('sent', 1));
  });

  it("a permanent failure is an outcome: a receipt's failed still outranks the same attempt's sent", () => {
    expect(stateRank('failed', 1, false)).toBeGreaterThan(stateRank('sent', 1));
    expect(stateRank('dead_lettered', 1)).toBeGreaterThan(stateRank('sent', 1));
    expect(stateRank('bounced', 1)).toBeGreaterThan(stateRank('failed', 1, false));
  });
});

describe('mergeNotificationRows', () => {
  it('is order-insensitive: the higher rank wins, timestamps merge', () => {
    const queued = row('queued', 1);
    const sent = { ...row('sent', 2), provider_message_id: 'm-1' };
    const delivered = row('delivered', 3);
    const forward = [queued, sent, delivered].reduce(mergeNotificationRows);
    const backward = [delivered, sent, queued].reduce(mergeNotificationRows);
    expect(forward).toEqual(backward);
    expect(forward).toMatchObject({
      state: 'delivered',
      provider_message_id: 'm-1',
      queued_at: queued.queued_at,
      sent_at: sent.sent_at,
      delivered_at: delivered.delivered_at,
      first_status_at: queued.first_status_at,
      last_status_at: delivered.last_status_at,
    });
  });
});

describe('canonicalTime', () => {
  it('passes toISOString() output as it is and normalises every other spelling', () => {
    const iso = '2026-11-21T00:00:00.000Z';
    expect(canonicalTime(iso)).toBe(iso);
    expect(canonicalTime('2026-11-21T01:00:00+01:00')).toBe(iso);
    expect(canonicalTime('2026-11-21T00:00:00Z')).toBe(iso);
    expect(canonicalTime('2026-11-20T23:59:59.999Z')).toBe('2026-11-20T23:59:59.999Z');
  });
});

describe('notificationRow', () => {
  it('writes times in one canonical spelling, whatever the publisher wrote', () => {
    const event = statusEventFor(job, 'sent', 'test', new Date(Date.UTC(2026, 10, 1, 0, 0, 2)));
    const r = notificationRow({
      ...event,
      data: { ...event.data, eventTime: '2026-11-01T01:00:00+01:00' },
    });
    expect(r.event_time).toBe('2026-11-01T00:00:00.000Z');
    expect(r.sent_at).toBe('2026-11-01T00:00:02.000Z');
    const merged = mergeNotificationRows(r, row('queued', 1));
    expect(merged.first_status_at).toBe('2026-11-01T00:00:01.000Z');
    expect(merged.last_status_at).toBe('2026-11-01T00:00:02.000Z');
  });
});

describe('attemptRow: the attempt starts when it began, from either shape of the stream', () => {
  const at = (ms: number) => new Date(Date.UTC(2026, 10, 1, 0, 0, 1) + ms);
  const event = (
    state: Parameters<typeof statusEventFor>[1],
    ms: number,
    details: Parameters<typeof statusEventFor>[4] = {},
  ) => statusEventFor(job, state, 'herald/worker', at(ms), details);
  const started = at(0).toISOString();

  it('an outcome with attemptStartedAt (no sending record): started then, finished at the outcome', () => {
    const sent = attemptRow(event('sent', 40, { attemptStartedAt: started }))!;
    expect(sent).toMatchObject({
      state: 'sent',
      started_at: started,
      finished_at: at(40).toISOString(),
    });
  });

  it('a legacy sending + outcome without the field: the same row as the new shape', () => {
    const legacy = mergeAttemptRows(
      attemptRow(event('sending', 0, { provider: { name: 'webhook' } }))!,
      attemptRow(event('sent', 40))!,
    );
    const outcomeOnly = attemptRow(event('sent', 40, { attemptStartedAt: started }))!;
    const both = mergeAttemptRows(
      attemptRow(event('sending', 0, { provider: { name: 'webhook' } }))!,
      outcomeOnly,
    );
    expect(legacy).toEqual(both);
    expect(outcomeOnly).toEqual({ ...legacy, provider_name: null });
    expect(legacy.started_at).toBe(started);
  });

  it('normalises the start to the canonical spelling, and falls back to the status time', () => {
    const spelt = attemptRow(
      event('retrying', 40, { attemptStartedAt: '2026-11-01T01:00:01+01:00' }),
    );
    expect(spelt?.started_at).toBe(started);
    expect(attemptRow(event('delivered', 90))?.started_at).toBe(at(90).toISOString());
  });
});
