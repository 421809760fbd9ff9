import { deterministicId, statusEventFor, type DeliveryJob } from '@herald/core';
import { decodeStatusEvent } from './status-decoder.js';

const job: DeliveryJob = {
  notificationId: deterministicId('evt-1', 'r', 'bob', 'email'),
  event: { id: 'evt-1', source: 's', type: 'order.shipped', time: '2026-11-01T00:00:00Z' },
  tenant: 'acme',
  rule: { id: 'r', version: 1 },
  channel: 'email',
  recipient: { ref: 'bob', address: 'bob@example.com' },
  priority: 'normal',
  attempt: 1,
  payload: {},
  plannedAt: '2026-11-01T00:00:00Z',
};
const sent = statusEventFor(job, 'sent', 'herald/worker', new Date('2026-11-01T00:00:01Z'), {
  maxAttempts: 5,
  provider: { name: 'ses', statusCode: 250, messageId: 'm-1' },
});
const decode = (v: unknown) => decodeStatusEvent(Buffer.from(JSON.stringify(v)));
type Mutable = Record<string, unknown> & { data: Record<string, unknown> };
const mutated = (change: (e: Mutable) => void) => {
  const copy = structuredClone(sent) as unknown as Mutable;
  change(copy);
  return copy;
};

describe('decodeStatusEvent', () => {
  it('accepts a status event and keeps unknown fields', () => {
    const result = decode({ ...sent, extra: 1 });
    expect(result.ok && result.event.data.notificationId).toBe(job.notificationId);
  });

  it('accepts through the schema what the fast path leaves to it (a nil uuid)', () => {
    const nil = '00000000-0000-0000-0000-000000000000';
    expect(decode(mutated((e) => (e.id = nil))).ok).toBe(true);
  });

  // The fast path may only be stricter than the schema: each of these must be refused
  // and the reason must come from the schema (it names the field).
  it.each([
    ['id', (e: Mutable) => (e.id = 'not-a-uuid')],
    ['type', (e: Mutable) => (e.type = 'herald.notification.delivered')],
    ['data.state', (e: Mutable) => (e.data.state = 'lost')],
    ['data.tenant', (e: Mutable) => (e.data.tenant = '')],
    ['data.eventTime', (e: Mutable) => (e.data.eventTime = 'yesterday')],
    ['data.rule.version', (e: Mutable) => ((e.data.rule as { version: number }).version = 1.5)],
    ['data.channel', (e: Mutable) => (e.data.channel = 'carrier-pigeon')],
    ['data.attempt', (e: Mutable) => (e.data.attempt = 2 ** 60)],
    ['data.maxAttempts', (e: Mutable) => (e.data.maxAttempts = 0)],
    ['data.retryable', (e: Mutable) => (e.data.retryable = 'yes')],
    [
      'data.provider.statusCode',
      (e: Mutable) => ((e.data.provider as object) = { statusCode: '200' }),
    ],
    ['data.occurredAt', (e: Mutable) => delete e.data.occurredAt],
    // Canonical spellings of days the month does not have: Date.parse rolls them over,
    // Postgres refuses them (the chunk used to fail on every retry).
    ['data.eventTime', (e: Mutable) => (e.data.eventTime = '2026-02-31T00:00:00.000Z')],
    ['data.eventTime', (e: Mutable) => (e.data.eventTime = '2026-02-29T00:00:00.000Z')],
    ['data.occurredAt', (e: Mutable) => (e.data.occurredAt = '2026-11-01T24:00:00.000Z')],
    // An outcome's attempt start becomes delivery_attempts.started_at: Postgres would
    // refuse the chunk on every retry.
    [
      'data.attemptStartedAt',
      (e: Mutable) => (e.data.attemptStartedAt = '2026-02-30T00:00:00.000Z'),
    ],
    ['data.attemptStartedAt', (e: Mutable) => (e.data.attemptStartedAt = 1_700_000_000_000)],
  ])('refuses a bad %s with the reason', (field, change) => {
    const result = decode(mutated(change));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(field === 'type' ? 'does not match' : field);
  });

  it('accepts leap days and the other spellings Date.parse reads', () => {
    expect(decode(mutated((e) => (e.data.eventTime = '2028-02-29T23:59:59.999Z'))).ok).toBe(true);
    expect(decode(mutated((e) => (e.data.eventTime = '2026-11-01T01:00:00+01:00'))).ok).toBe(true);
  });

  it('accepts an outcome with its attempt start, and one without (a legacy worker)', () => {
    const started = '2026-11-01T00:00:00.950Z';
    const result = decode(mutated((e) => (e.data.attemptStartedAt = started)));
    expect(result.ok && result.event.data.attemptStartedAt).toBe(started);
    expect(decode(sent).ok).toBe(true);
  });

  it('refuses what is not JSON', () => {
    const result = decodeStatusEvent(Buffer.from('{'));
    expect(result.ok).toBe(false);
  });
});
