/**
 * AuditStore's write path on a real Postgres: the array literals it builds itself
 * carry any text unchanged (quotes, backslashes, tabs, newlines, braces, the word
 * NULL, unicode; NUL, which Postgres text cannot hold, as U+FFFD), SQL NULLs stay
 * NULL, a redelivered chunk writes nothing, one instant or one notification id
 * spelled two ways is one row, and events are recomputed from their notifications.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
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

const jobFor = (eventId: string, recipient: string, tenant = 'acme'): DeliveryJob =>
  auditJob(deterministicId('audit-store', eventId, recipient, tenant), eventId, {
    recipient,
    tenant,
    rule: { id: 'r1', version: 2 },
  });

let clock = Date.parse('2026-11-20T09:00:00Z');
const status = (job: DeliveryJob, state: NotificationState, details: StatusDetails = {}) =>
  statusEventFor(job, state, 'herald/test', new Date((clock += 1000)), {
    maxAttempts: 3,
    ...details,
  });

async function rows(table: string, notificationId: string): Promise<Record<string, unknown>[]> {
  const { rows } = await sql<Record<string, unknown>>`
    select * from ${sql.table(table)} where notification_id = ${notificationId}
    order by 1, 2`.execute(db);
  return rows;
}

const awkward = [
  'tab\there, newline\nthere, carriage\rreturn',
  'quote " and \\ backslash, \\" both, trailing \\',
  '{braces}, commas, and the word',
  'NULL',
  '',
  'ünïcödé — 通知 🚀',
];

it('carries awkward text unchanged and keeps SQL NULLs', async () => {
  for (const [n, text] of awkward.entries()) {
    const job = { ...jobFor(`evt "${n}"\t{x}`, `user\\${n},\n${text}`), tenant: `t ${text}` };
    const sent = status(job, 'sent', {
      reason: text,
      provider: { name: text, statusCode: 202, messageId: `m,${n}"`, message: text },
    });
    const queued = status(job, 'queued'); // no reason, no provider: NULLs
    expect(await new AuditStore(db).write([sent, queued])).toMatchObject({
      statusEvents: 2,
      notifications: 1,
      attempts: 1,
      events: 1,
    });
    const statuses = await rows('status_events', job.notificationId);
    expect(statuses.find((r) => r.state === 'sent')).toMatchObject({
      reason: text,
      tenant: `t ${text}`,
      event_id: job.event.id,
      recipient_ref: job.recipient.ref,
      provider_status: 202,
      provider_message_id: `m,${n}"`,
      provider_message: text,
    });
    expect(statuses.find((r) => r.state === 'queued')).toMatchObject({
      reason: null,
      provider_status: null,
      provider_message_id: null,
      provider_message: null,
      retryable: null,
    });
    const [notification] = await rows('notifications', job.notificationId);
    expect(notification).toMatchObject({
      state: 'sent',
      reason: text,
      provider_name: text,
      provider_message: text,
      recipient_ref: job.recipient.ref,
      delivered_at: null,
      failed_at: null,
    });
    const [attempt] = await rows('delivery_attempts', job.notificationId);
    expect(attempt).toMatchObject({ state: 'sent', provider_name: text, reason: text });
  }
});

it('writes NUL as U+FFFD instead of failing the chunk for ever', async () => {
  const job = jobFor('evt-nul', 'nul');
  expect(
    await new AuditStore(db).write([status(job, 'failed', { reason: 'before\u0000after' })]),
  ).toMatchObject({ statusEvents: 1, notifications: 1 });
  const [row] = await rows('status_events', job.notificationId);
  expect(row!.reason).toBe('before\uFFFDafter');
});

it('a redelivered chunk writes nothing, whole or in part, and changes no row', async () => {
  const store = new AuditStore(db);
  const jobs = [jobFor('evt-replay', 'a'), jobFor('evt-replay', 'b'), jobFor('evt-replay', 'c')];
  const chunk = jobs.flatMap((j) => [status(j, 'queued'), status(j, 'sending'), status(j, 'sent')]);
  expect(await store.write(chunk)).toEqual({
    statusEvents: 9,
    notifications: 3,
    attempts: 3,
    events: 1,
  });
  const before = await sql`select * from notifications where event_id = 'evt-replay' order by 1`
    .execute(db)
    .then((r) => r.rows);
  const nothing = { statusEvents: 0, notifications: 0, attempts: 0, events: 0 };
  // Redelivered whole, by a new replica (fresh store), then a suffix in reverse order
  // with a copy inside the chunk.
  expect(await new AuditStore(db).write(chunk)).toEqual(nothing);
  expect(await store.write([...chunk.slice(4)].reverse().concat(chunk[8]!))).toEqual(nothing);
  const after = await sql`select * from notifications where event_id = 'evt-replay' order by 1`
    .execute(db)
    .then((r) => r.rows);
  expect(after).toEqual(before);
  const { rows: counts } = await sql<{ n: number }>`
    select count(*)::int as n from status_events where event_id = 'evt-replay'`.execute(db);
  expect(counts[0]!.n).toBe(9);
});

it('one instant or one notification id spelled two ways is one row', async () => {
  const job = jobFor('evt-spelling', 'spelling');
  const queued = status(job, 'queued');
  // The same status as another publisher might spell it: an offset instead of Z, no
  // milliseconds, the uuid in upper case.
  const respelled: StatusEvent = {
    ...queued,
    id: queued.id.toUpperCase(),
    data: {
      ...queued.data,
      notificationId: queued.data.notificationId.toUpperCase(),
      eventTime: '2026-11-20T09:00:00+01:00',
    },
  };
  const published = status(job, 'sent');
  const sent: StatusEvent = {
    ...published,
    data: { ...published.data, eventTime: '2026-11-20T08:00:00Z' },
  };
  expect(await new AuditStore(db).write([respelled, queued, sent])).toMatchObject({
    statusEvents: 2,
    notifications: 1,
    attempts: 1,
    events: 1,
  });
  const [notification] = await rows('notifications', job.notificationId);
  expect(notification).toMatchObject({
    state: 'sent',
    event_time: new Date('2026-11-20T08:00:00Z'),
    queued_at: new Date(queued.data.occurredAt),
  });
});

it('recomputes events from their notifications across chunks and tenants', async () => {
  const store = new AuditStore(db);
  const [a, b, c] = ['a', 'b', 'c'].map((r) => jobFor('evt-outcome', r));
  const other = jobFor('evt-outcome', 'a', 'globex'); // same event id, other tenant
  await store.write([status(a!, 'queued'), status(b!, 'queued'), status(other, 'queued')]);
  await store.write([status(c!, 'queued'), status(a!, 'sent'), status(other, 'sent')]);
  await store.write([status(b!, 'dead_lettered'), status(c!, 'suppressed')]);
  const { rows: events } = await sql<Record<string, unknown>>`
    select tenant, notifications, pending, succeeded, failed, suppressed, outcome
    from events where event_id = 'evt-outcome' order by tenant`.execute(db);
  expect(events).toEqual([
    {
      tenant: 'acme',
      notifications: 3,
      pending: 0,
      succeeded: 1,
      failed: 1,
      suppressed: 1,
      outcome: 'partial',
    },
    {
      tenant: 'globex',
      notifications: 1,
      pending: 0,
      succeeded: 1,
      failed: 0,
      suppressed: 0,
      // Sent is not delivered: only a receipt says a message arrived.
      outcome: 'sent',
    },
  ]);
  await store.write([status(other, 'delivered')]);
  const { rows: view } = await sql<Record<string, unknown>>`
    select tenant, outcome from audit_event_outcomes where event_id = 'evt-outcome'
    order by tenant`.execute(db);
  expect(view).toEqual([
    { tenant: 'acme', outcome: 'partial' },
    { tenant: 'globex', outcome: 'delivered' },
  ]);
});

it('migration 0007 corrects the outcome of events written as delivered when only sent', async () => {
  const store = new AuditStore(db);
  const j = jobFor('evt-stale', 'a');
  await store.write([status(j, 'queued'), status(j, 'sent')]);
  // As the write path before 0007 left it.
  await sql`update events set outcome = 'delivered' where event_id = 'evt-stale'`.execute(db);
  const migration = await readFile(
    fileURLToPath(new URL('../../../migrations/0007_event_outcome_sent.sql', import.meta.url)),
    'utf8',
  );
  await sql.raw(migration).execute(db);
  await sql.raw(migration).execute(db); // safe to run again
  const { rows } = await sql<{ outcome: string }>`
    select outcome from audit_event_outcomes where event_id = 'evt-stale'`.execute(db);
  expect(rows).toEqual([{ outcome: 'sent' }]);
});
