/**
 * migrations/0015 and 0017 on a real Postgres: a notification's, an attempt's and an
 * event's later statuses update their rows in place (HOT: no indexed column changes,
 * room left on the page), the partitions of those tables, existing and future, leave a
 * fifth of each page free, the searches that filter by state still find their rows, and
 * delivery_attempts keeps only the indexes a query reads.
 */
import { sql, type Kysely } from 'kysely';
import {
  deterministicId,
  statusEventFor,
  type DeliveryJob,
  type NotificationState,
} from '@herald/core';
import {
  AuditQueries,
  AuditStore,
  ensureMonthlyPartitions,
  type HeraldDatabase,
} from '@herald/store';
import { waitFor } from '@herald/testkit';
import { auditJob } from './audit-job.js';
import { migratedDatabase } from './migrated-database.js';

let db: Kysely<HeraldDatabase>;

migratedDatabase((created) => {
  db = created;
});

const jobFor = (n: number): DeliveryJob =>
  auditJob(deterministicId('audit-hot', String(n)), `evt-${n}`, { recipient: `user-${n}` });

let clock = Date.parse('2026-11-20T09:00:00Z');
const status = (job: DeliveryJob, state: NotificationState) =>
  statusEventFor(job, state, 'herald/test', new Date((clock += 1000)), {
    maxAttempts: 3,
    ...(state === 'sent' ? { provider: { statusCode: 200 } } : {}),
  });

/** Updates and in-place updates of a table's partitions so far (statistics are flushed lazily). */
async function updates(prefix: string): Promise<{ upd: number; hot: number }> {
  await sql`select pg_stat_clear_snapshot()`.execute(db);
  const { rows } = await sql<{ upd: string | null; hot: string | null }>`
    select sum(n_tup_upd) as upd, sum(n_tup_hot_upd) as hot from pg_stat_user_tables
    where relname like ${`${prefix}_y%`}`.execute(db);
  return { upd: Number(rows[0]?.upd ?? 0), hot: Number(rows[0]?.hot ?? 0) };
}

async function fillfactor(table: string): Promise<string | undefined> {
  const { rows } = await sql<{ options: string[] | null }>`
    select reloptions as options from pg_class where relname = ${table}`.execute(db);
  return rows[0]?.options?.find((o) => o.startsWith('fillfactor='));
}

it('updates a notification and its attempt in place from status to status', async () => {
  // Three rows: one page, with room for their new versions (a fifth of a page holds
  // about five; the auditor bench shows how many stay HOT when whole pages change at once).
  const jobs = Array.from({ length: 3 }, (_, n) => jobFor(n));
  const store = new AuditStore(db);
  // One chunk per state, as the pipeline writes them (the router's status long before the worker's).
  for (const state of ['queued', 'sending', 'delivered'] as const)
    await store.write(jobs.map((job) => status(job, state)));
  // sending and delivered update each notification (2 × 3) and delivered each attempt (3).
  await waitFor('the updates counted', async () => (await updates('notifications')).upd >= 6);
  await waitFor('the updates counted', async () => (await updates('delivery_attempts')).upd >= 3);
  const notifications = await updates('notifications');
  const attempts = await updates('delivery_attempts');
  // Before 0015 `state` was indexed on both tables: no update could be HOT.
  expect(notifications.hot).toBe(notifications.upd);
  expect(attempts.hot).toBe(attempts.upd);

  const history = await new AuditQueries(db).notification(jobs[1]!.notificationId);
  expect(history?.notification.state).toBe('delivered');
  expect(history?.statuses.map((s) => s.state)).toEqual(['queued', 'sending', 'delivered']);
});

it('creates every partition of notifications and delivery_attempts with fillfactor 80', async () => {
  await ensureMonthlyPartitions(db, 'notifications', new Date('2031-01-15T00:00:00Z'), 0);
  await ensureMonthlyPartitions(db, 'delivery_attempts', new Date('2031-01-15T00:00:00Z'), 0);
  await ensureMonthlyPartitions(db, 'status_events', new Date('2031-01-15T00:00:00Z'), 0);
  expect(await fillfactor('notifications_y2031m01')).toBe('fillfactor=80');
  expect(await fillfactor('delivery_attempts_y2031m01')).toBe('fillfactor=80');
  // Append-only: pages are filled.
  expect(await fillfactor('status_events_y2031m01')).toBeUndefined();
  // Partitions made before 0015 ran (the month of the writes above) were altered too.
  expect(await fillfactor('notifications_y2026m11')).toBe('fillfactor=80');
});

it('still finds notifications by tenant and state, newest first', async () => {
  const audit = new AuditQueries(db);
  const page = await audit.search({ tenant: 'acme', state: 'delivered', limit: 2 });
  expect(page?.items).toHaveLength(2);
  expect(page?.nextCursor).toBeDefined();
  expect(page?.items.every((n) => n.state === 'delivered')).toBe(true);
  expect(await audit.search({ tenant: 'acme', state: 'failed' })).toEqual({ items: [] });
});

it("updates an event's row in place when its outcome changes (0017)", async () => {
  const jobs = Array.from({ length: 3 }, (_, n) =>
    auditJob(deterministicId('audit-events-hot', String(n)), `evt-hot-${n}`, {
      recipient: `user-${n}`,
    }),
  );
  const store = new AuditStore(db);
  const before = await updates('events');
  // One chunk per state, as in the pipeline: the event is inserted pending, then sent.
  for (const state of ['queued', 'sent'] as const)
    await store.write(jobs.map((job) => status(job, state)));
  await waitFor('the updates counted', async () => (await updates('events')).upd >= before.upd + 3);
  const after = await updates('events');
  // Before 0017 `outcome` was indexed (events_tenant_outcome_idx): no update was HOT.
  expect({ upd: after.upd - before.upd, hot: after.hot - before.hot }).toEqual({ upd: 3, hot: 3 });

  const { events } = await new AuditQueries(db).event('evt-hot-1');
  expect(events.map((e) => [e.outcome, e.succeeded, e.pending])).toEqual([['sent', 1, 0]]);
});

it('creates every partition of events with fillfactor 80, and indexes no outcome (0017)', async () => {
  await ensureMonthlyPartitions(db, 'events', new Date('2031-02-15T00:00:00Z'), 0);
  expect(await fillfactor('events_y2031m02')).toBe('fillfactor=80');
  // The month the writes above made.
  expect(await fillfactor('events_y2026m11')).toBe('fillfactor=80');
  const { rows: indexed } = await sql<{ name: string }>`
    select c.relname as name from pg_index i
    join pg_class c on c.oid = i.indexrelid
    join pg_class t on t.oid = i.indrelid
    join pg_attribute a on a.attrelid = t.oid and a.attnum = any(i.indkey)
    where t.relname = 'events' and a.attname = 'outcome'`.execute(db);
  expect(indexed).toEqual([]);
});

it('indexes delivery_attempts by its key and provider message id only (0017)', async () => {
  const { rows } = await sql<{ name: string }>`
    select indexname as name from pg_indexes where tablename = 'delivery_attempts'
    order by 1`.execute(db);
  expect(rows.map((r) => r.name)).toEqual([
    'delivery_attempts_pkey',
    'delivery_attempts_provider_message_idx',
  ]);
});
