/**
 * The chunk as one call of herald_audit_write (migrations/0016) on a real Postgres: a
 * chunk whose statuses fall in two months writes each row into its month and
 * recomputes both months' events, and a replay of it changes nothing; chunks of one
 * event written concurrently still count every notification (the recompute, after the
 * event's lock, sees what the other chunk committed); a chunk Postgres refuses leaves
 * no row behind, and the same chunk succeeds whole once the cause is gone.
 */
import { sql, type Kysely } from 'kysely';
import {
  deterministicId,
  statusEventFor,
  type DeliveryJob,
  type NotificationState,
  type StatusEvent,
} from '@herald/core';
import { AuditStore, isPostgresUnavailable, type HeraldDatabase } from '@herald/store';
import { auditJob } from './audit-job.js';
import { migratedDatabase } from './migrated-database.js';

let db: Kysely<HeraldDatabase>;

migratedDatabase((created) => {
  db = created;
});

const jobFor = (eventId: string, recipient: string, eventTime: string): DeliveryJob =>
  auditJob(deterministicId('audit-write-call', eventId, recipient), eventId, {
    recipient,
    eventTime,
    address: 'x@example.com',
    channel: 'email',
  });

let clock = Date.parse('2027-01-02T09:00:00Z');
const status = (job: DeliveryJob, state: NotificationState): StatusEvent =>
  statusEventFor(job, state, 'herald/test', new Date((clock += 1000)), {
    maxAttempts: 3,
    ...(state === 'sent' ? { provider: { statusCode: 250, messageId: `m-${clock}` } } : {}),
  });

async function count(table: string, eventIds: readonly string[]): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from ${sql.table(table)}
    where event_id = any(${eventIds}::text[])`.execute(db);
  return rows[0]!.n;
}

const notificationIds = (jobs: readonly DeliveryJob[]) => jobs.map((j) => j.notificationId);

async function attemptCount(jobs: readonly DeliveryJob[]): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from delivery_attempts
    where notification_id = any(${notificationIds(jobs)}::uuid[])`.execute(db);
  return rows[0]!.n;
}

it('writes a chunk across two months into each month, and a replay of it changes nothing', async () => {
  const november = [jobFor('evt-nov', 'a', '2026-11-30T23:59:59.999Z')];
  const december = [
    jobFor('evt-dec', 'a', '2026-12-01T00:00:00.000Z'),
    jobFor('evt-dec', 'b', '2026-12-01T00:00:00.000Z'),
  ];
  const chunk = [...november, ...december].flatMap((j) => [
    status(j, 'queued'),
    status(j, 'sending'),
    status(j, 'sent'),
  ]);
  const store = new AuditStore(db);
  expect(await store.write(chunk)).toEqual({
    statusEvents: 9,
    notifications: 3,
    attempts: 3,
    events: 2,
  });
  const { rows: placed } = await sql<{ table: string; event_id: string }>`
    select tableoid::regclass::text as table, event_id from notifications
    where event_id in ('evt-nov', 'evt-dec') order by 1, 2`.execute(db);
  expect(placed).toEqual([
    { table: 'notifications_y2026m11', event_id: 'evt-nov' },
    { table: 'notifications_y2026m12', event_id: 'evt-dec' },
    { table: 'notifications_y2026m12', event_id: 'evt-dec' },
  ]);
  const { rows: events } = await sql<{ event_id: string; notifications: number; outcome: string }>`
    select event_id, notifications, outcome from events
    where event_id in ('evt-nov', 'evt-dec') order by 1`.execute(db);
  expect(events).toEqual([
    { event_id: 'evt-dec', notifications: 2, outcome: 'sent' },
    { event_id: 'evt-nov', notifications: 1, outcome: 'sent' },
  ]);

  const before =
    await sql`select * from notifications where event_id in ('evt-nov', 'evt-dec') order by 1`
      .execute(db)
      .then((r) => r.rows);
  // Replayed whole by a fresh replica, and in reverse order by the same one.
  const nothing = { statusEvents: 0, notifications: 0, attempts: 0, events: 0 };
  expect(await new AuditStore(db).write(chunk)).toEqual(nothing);
  expect(await store.write([...chunk].reverse())).toEqual(nothing);
  const after =
    await sql`select * from notifications where event_id in ('evt-nov', 'evt-dec') order by 1`
      .execute(db)
      .then((r) => r.rows);
  expect(after).toEqual(before);
  expect(await count('status_events', ['evt-nov', 'evt-dec'])).toBe(9);
});

it('counts every notification of an event whose chunks are written concurrently', async () => {
  const time = '2026-11-21T10:00:00.000Z';
  for (let round = 0; round < 8; round++) {
    const eventId = `evt-concurrent-${round}`;
    const jobs = Array.from({ length: 6 }, (_, i) => jobFor(eventId, `r${i}`, time));
    // Two replicas, each with three of the event's notifications (as two partitions of
    // herald.status would hand them out), writing at the same moment.
    const [left, right] = [jobs.slice(0, 3), jobs.slice(3)].map((half) =>
      half.flatMap((j) => [status(j, 'queued'), status(j, 'sent')]),
    );
    await Promise.all([new AuditStore(db).write(left!), new AuditStore(db).write(right!)]);
    const { rows } = await sql<{ notifications: number; succeeded: number; outcome: string }>`
      select notifications, succeeded, outcome from events where event_id = ${eventId}`.execute(db);
    expect(rows).toEqual([{ notifications: 6, succeeded: 6, outcome: 'sent' }]);
  }
});

it('a refused chunk leaves no row behind, and succeeds whole once the cause is gone', async () => {
  const time = '2027-03-15T12:00:00.000Z';
  const jobs = [jobFor('evt-refused', 'a', time), jobFor('evt-refused', 'b', time)];
  const chunk = jobs.flatMap((j) => [status(j, 'queued'), status(j, 'sending')]);
  const store = new AuditStore(db);
  // The store has seen March (its partitions exist and are remembered); then March's
  // events partition goes away, so the chunk's last step, the events recompute, fails
  // after its status, attempt and notification rows were written in the same call.
  await store.write([status(jobFor('evt-march', 'z', time), 'queued')]);
  await sql`alter table events detach partition events_y2027m03`.execute(db);
  await sql`alter table events_y2027m03 rename to events_y2027m03_away`.execute(db);

  const refused = await store.write(chunk).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(refused).toBeInstanceOf(Error);
  expect((refused as Error).message).toMatch(/no partition of relation "events"/);
  // A statement Postgres refused, not an outage: the stage retries the chunk either way.
  expect(isPostgresUnavailable(refused)).toBe(false);
  for (const table of ['status_events', 'notifications']) {
    expect(await count(table, ['evt-refused'])).toBe(0);
  }
  expect(await attemptCount(jobs)).toBe(0);

  // The partition is back: the same chunk is written whole.
  await sql`alter table events attach partition events_y2027m03_away
    for values from ('2027-03-01T00:00:00Z') to ('2027-04-01T00:00:00Z')`.execute(db);
  expect(await store.write(chunk)).toEqual({
    statusEvents: 4,
    notifications: 2,
    attempts: 2,
    events: 1,
  });
  expect(await count('status_events', ['evt-refused'])).toBe(4);
  expect(await attemptCount(jobs)).toBe(2);
});
