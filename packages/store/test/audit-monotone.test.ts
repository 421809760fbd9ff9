/**
 * The audit projection is monotone on success (issue 18, "audit short of the
 * receivers"), on a real Postgres: once a notification is `sent` or `delivered` by any
 * attempt, a `deferred`, `retrying` or retryable `failed` of another attempt (a copy of the job
 * the worker thought failed while the receiver had accepted it) is kept as an attempt
 * row but never moves the notification back, in whichever order and chunking the
 * statuses arrive.
 */
import { sql, type Kysely } from 'kysely';
import {
  deterministicId,
  statusEventFor,
  type DeliveryJob,
  type NotificationState,
  type StatusDetails,
  type StatusEvent,
} from '@herald/core';
import { AuditStore, type HeraldDatabase } from '@herald/store';
import { auditJob } from './audit-job.js';
import { migratedDatabase } from './migrated-database.js';

let db: Kysely<HeraldDatabase>;

migratedDatabase((created) => {
  db = created;
});

const jobFor = (eventId: string, attempt: number): DeliveryJob =>
  auditJob(deterministicId('audit-monotone', eventId), eventId, { attempt });

// A fixed clock: statuses one second apart, whatever the date or time zone of the run.
let clock = Date.parse('2026-11-20T09:00:00Z');
const status = (
  eventId: string,
  attempt: number,
  state: NotificationState,
  details: StatusDetails = {},
): StatusEvent =>
  statusEventFor(jobFor(eventId, attempt), state, 'herald/test', new Date((clock += 1000)), {
    maxAttempts: 5,
    ...details,
  });

async function projection(eventId: string) {
  const id = jobFor(eventId, 1).notificationId;
  const { rows: n } = await sql<{ state: string; attempt: number }>`
    select state, attempt from notifications where notification_id = ${id}`.execute(db);
  const { rows: a } = await sql<{ attempt: number; state: string }>`
    select attempt, state from delivery_attempts where notification_id = ${id}
    order by attempt`.execute(db);
  const { rows: e } = await sql<{ pending: number; succeeded: number; outcome: string }>`
    select pending, succeeded, outcome from events where event_id = ${eventId}`.execute(db);
  return { notification: n[0], attempts: a, event: e[0] };
}

/** Attempt 1 accepted by the receiver; attempt 2 (a copy) ends in `later`. */
function statusesOf(eventId: string, later: NotificationState, retryable?: boolean) {
  const accepted = [
    status(eventId, 1, 'queued'),
    status(eventId, 1, 'sending'),
    status(eventId, 1, 'sent', { provider: { name: 'webhook', statusCode: 200 } }),
  ];
  const copy = [
    status(eventId, 2, 'sending'),
    status(eventId, 2, later, retryable === undefined ? {} : { retryable }),
  ];
  return { accepted, copy };
}

const laterStates: [NotificationState, boolean | undefined][] = [
  ['retrying', undefined],
  ['deferred', undefined],
  ['failed', true],
];

describe.each(laterStates)("attempt 1 sent, attempt 2's %s (retryable %s)", (later, retryable) => {
  const expectSent = async (eventId: string) => {
    expect(await projection(eventId)).toEqual({
      notification: { state: 'sent', attempt: 1 },
      // The copy is still recorded as an attempt of its own.
      attempts: [
        { attempt: 1, state: 'sent' },
        { attempt: 2, state: later === 'deferred' ? 'sending' : later },
      ],
      event: { pending: 0, succeeded: 1, outcome: 'sent' },
    });
  };

  it('in one chunk, either order', async () => {
    for (const [name, order] of [
      ['forward', (a: StatusEvent[], c: StatusEvent[]) => [...a, ...c]],
      ['backward', (a: StatusEvent[], c: StatusEvent[]) => [...c, ...a].reverse()],
    ] as const) {
      const eventId = `one-${later}-${retryable}-${name}`;
      const { accepted, copy } = statusesOf(eventId, later, retryable);
      await new AuditStore(db).write(order(accepted, copy));
      await expectSent(eventId);
    }
  });

  it('in separate chunks, the sent first', async () => {
    const eventId = `sent-first-${later}-${retryable}`;
    const { accepted, copy } = statusesOf(eventId, later, retryable);
    const store = new AuditStore(db);
    await store.write(accepted);
    await store.write(copy);
    await expectSent(eventId);
  });

  it('in separate chunks, the copy first', async () => {
    const eventId = `copy-first-${later}-${retryable}`;
    const { accepted, copy } = statusesOf(eventId, later, retryable);
    const store = new AuditStore(db);
    await store.write(copy);
    await store.write(accepted);
    await expectSent(eventId);
  });
});

it("a later attempt's delivered still supersedes an earlier sent", async () => {
  const store = new AuditStore(db);
  await store.write([status('later-delivered', 1, 'sent')]);
  await store.write([status('later-delivered', 3, 'retrying')]);
  await store.write([status('later-delivered', 2, 'delivered')]);
  expect((await projection('later-delivered')).notification).toEqual({
    state: 'delivered',
    attempt: 2,
  });
});

it("a receipt's failed after the same attempt's sent still wins (SendGrid dropped, Vonage failed)", async () => {
  const store = new AuditStore(db);
  await store.write([status('receipt-failed', 1, 'sending'), status('receipt-failed', 1, 'sent')]);
  await store.write([status('receipt-failed', 1, 'failed', { retryable: false })]);
  expect((await projection('receipt-failed')).notification).toEqual({
    state: 'failed',
    attempt: 1,
  });
});
