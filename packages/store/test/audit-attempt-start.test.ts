/**
 * Issue 19, round 5: a worker publishes an attempt's outcome without a `sending` record
 * in front of it; the outcome carries `attemptStartedAt` instead. On a real Postgres,
 * the projections of the three shapes of the stream are the same: the default (outcomes
 * only), the legacy one (an older worker, a replay: `sending` + outcomes without the
 * field) and both (HERALD_WORKER_SENDING_STATUS=true). Attempt 2's outcome supersedes
 * attempt 1's `retrying`, and every attempt starts when it began, not when it ended,
 * however the statuses are split into chunks.
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
  auditJob(deterministicId('audit-attempt-start', eventId), eventId, { attempt });

// Fixed times (any date, any time zone): queued at 0 s, attempt 1 from 1 s to 2 s
// (retrying), attempt 2 from 5 s to 6 s (sent).
const T0 = Date.parse('2026-11-20T09:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000);
type Shape = 'outcome' | 'legacy' | 'both';

function statusesOf(eventId: string, shape: Shape): StatusEvent[][] {
  const status = (attempt: number, state: NotificationState, s: number, d: StatusDetails = {}) =>
    statusEventFor(jobFor(eventId, attempt), state, 'herald/worker', at(s), {
      maxAttempts: 5,
      ...d,
    });
  const provider = { name: 'webhook' };
  const start = (s: number) =>
    shape === 'legacy' ? {} : { attemptStartedAt: at(s).toISOString() };
  const sending = (attempt: number, s: number) =>
    shape === 'outcome' ? [] : [status(attempt, 'sending', s, { provider })];
  return [
    [
      status(1, 'queued', 0),
      ...sending(1, 1),
      status(1, 'retrying', 2, {
        reason: 'HTTP 503',
        retryable: true,
        provider: { ...provider, statusCode: 503 },
        ...start(1),
      }),
    ],
    // Attempt 2 in a chunk of its own: its outcome alone must supersede attempt 1's
    // retrying in the stored row.
    [
      ...sending(2, 5),
      status(2, 'sent', 6, { provider: { ...provider, statusCode: 204 }, ...start(5) }),
    ],
  ];
}

async function projection(eventId: string) {
  const id = jobFor(eventId, 1).notificationId;
  const { rows: notification } = await sql<{ state: string; attempt: number; sent_at: Date }>`
    select state, attempt, sent_at from notifications where notification_id = ${id}`.execute(db);
  const { rows: attempts } = await sql<{
    attempt: number;
    state: string;
    started_at: Date;
    finished_at: Date;
    provider_status: number;
  }>`
    select attempt, state, started_at, finished_at, provider_status from delivery_attempts
    where notification_id = ${id} order by attempt`.execute(db);
  const { rows: event } = await sql<{ pending: number; succeeded: number; outcome: string }>`
    select pending, succeeded, outcome from events where event_id = ${eventId}`.execute(db);
  return { notification: notification[0], attempts, event: event[0] };
}

it('projects the outcome-only, legacy and mixed streams alike', async () => {
  const store = new AuditStore(db);
  const shapes: Shape[] = ['outcome', 'legacy', 'both'];
  for (const shape of shapes)
    for (const chunk of statusesOf(`evt-${shape}`, shape)) await store.write(chunk);
  const expected = {
    notification: { state: 'sent', attempt: 2, sent_at: at(6) },
    attempts: [
      {
        attempt: 1,
        state: 'retrying',
        started_at: at(1),
        finished_at: at(2),
        provider_status: 503,
      },
      { attempt: 2, state: 'sent', started_at: at(5), finished_at: at(6), provider_status: 204 },
    ],
    event: { pending: 0, succeeded: 1, outcome: 'sent' },
  };
  for (const shape of shapes) expect(await projection(`evt-${shape}`)).toEqual(expected);
});

it('keeps every attempt start when chunks arrive out of order and come again in the other shape', async () => {
  // Attempt 2 before attempt 1, then the whole stream again as a replay of the default
  // shape: nothing moves.
  const store = new AuditStore(db);
  const [first, second] = statusesOf('evt-replayed', 'both');
  await store.write(second!);
  await store.write(first!);
  await store.write(statusesOf('evt-replayed', 'outcome').flat());
  expect((await projection('evt-replayed')).attempts.map((a) => a.started_at)).toEqual([
    at(1),
    at(5),
  ]);
});
