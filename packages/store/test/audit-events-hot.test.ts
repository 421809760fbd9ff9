/**
 * migrations/0017 on a real Postgres: an event's row is updated in place (HOT) when its
 * outcome changes (queued → sent), its partitions, existing and future, leave a fifth of
 * each page free, and delivery_attempts keeps only the indexes a query reads.
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
  auditJob(deterministicId('audit-events-hot', String(n)), `evt-hot-${n}`, {
    recipient: `user-${n}`,
  });

let clock = Date.parse('2026-11-20T09:00:00Z');
const status = (job: DeliveryJob, state: NotificationState) =>
  statusEventFor(job, state, 'herald/test', new Date((clock += 1000)), {
    maxAttempts: 3,
    ...(state === 'sent' ? { provider: { statusCode: 200 } } : {}),
  });

/** Updates and in-place updates of events' partitions so far (statistics are flushed lazily). */
async function eventUpdates(): Promise<{ upd: number; hot: number }> {
  await sql`select pg_stat_clear_snapshot()`.execute(db);
  const { rows } = await sql<{ upd: string | null; hot: string | null }>`
    select sum(n_tup_upd) as upd, sum(n_tup_hot_upd) as hot from pg_stat_user_tables
    where relname like 'events_y%'`.execute(db);
  return { upd: Number(rows[0]?.upd ?? 0), hot: Number(rows[0]?.hot ?? 0) };
}

it("updates an event's row in place when its outcome changes", async () => {
  const jobs = Array.from({ length: 3 }, (_, n) => jobFor(n));
  const store = new AuditStore(db);
  // One chunk per state, as in the pipeline: the event is inserted pending, then sent.
  for (const state of ['queued', 'sent'] as const)
    await store.write(jobs.map((job) => status(job, state)));
  await waitFor('the updates counted', async () => (await eventUpdates()).upd >= 3);
  // Before 0017 `outcome` was indexed (events_tenant_outcome_idx): no update was HOT.
  expect(await eventUpdates()).toEqual({ upd: 3, hot: 3 });

  const { events } = await new AuditQueries(db).event('evt-hot-1');
  expect(events.map((e) => [e.outcome, e.succeeded, e.pending])).toEqual([['sent', 1, 0]]);
});

it('creates every partition of events with fillfactor 80, and indexes no outcome', async () => {
  await ensureMonthlyPartitions(db, 'events', new Date('2031-02-15T00:00:00Z'), 0);
  const { rows } = await sql<{ name: string; options: string[] | null }>`
    select relname as name, reloptions as options from pg_class
    where relname in ('events_y2031m02', 'events_y2026m11') order by 1`.execute(db);
  expect(rows.map((r) => [r.name, r.options])).toEqual([
    ['events_y2026m11', ['fillfactor=80']],
    ['events_y2031m02', ['fillfactor=80']],
  ]);
  const { rows: indexed } = await sql<{ name: string }>`
    select c.relname as name from pg_index i
    join pg_class c on c.oid = i.indexrelid
    join pg_class t on t.oid = i.indrelid
    join pg_attribute a on a.attrelid = t.oid and a.attnum = any(i.indkey)
    where t.relname = 'events' and a.attname = 'outcome'`.execute(db);
  expect(indexed).toEqual([]);
});

it('indexes delivery_attempts by its key and provider message id only', async () => {
  const { rows } = await sql<{ name: string }>`
    select indexname as name from pg_indexes where tablename = 'delivery_attempts'
    order by 1`.execute(db);
  expect(rows.map((r) => r.name)).toEqual([
    'delivery_attempts_pkey',
    'delivery_attempts_provider_message_idx',
  ]);
});
