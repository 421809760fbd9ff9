/**
 * migrations/0019 on a real Postgres: the audit's indexed text keys (notifications'
 * tenant, event id, recipient and provider message id; events' event id and tenant;
 * attempts' provider message id) are in the C collation; on a database written before it,
 * the migration rewrites no table, keeps every row and the two views, and the audit goes on
 * writing; every lookup Herald makes on those keys still reads its index (an index in
 * another collation than the comparison's cannot serve it).
 */
import { sql, type Kysely } from 'kysely';
import { deterministicId, statusEventFor, type DeliveryJob } from '@herald/core';
import { AuditQueries, AuditStore, migrateToLatest, type HeraldDatabase } from '@herald/store';
import { auditJob } from './audit-job.js';
import { migratedDatabase, withDatabaseBefore } from './migrated-database.js';

let db: Kysely<HeraldDatabase>;

migratedDatabase((created) => {
  db = created;
});

const textKeys = [
  ['notifications', 'tenant'],
  ['notifications', 'event_id'],
  ['notifications', 'recipient_ref'],
  ['notifications', 'provider_message_id'],
  ['events', 'event_id'],
  ['events', 'tenant'],
  ['delivery_attempts', 'provider_message_id'],
] as const;

/** The collation of each audit text key, on the parent and on every partition. */
async function collations(of: Kysely<HeraldDatabase>): Promise<Set<string>> {
  const { rows } = await sql<{ table: string; column: string; collation: string }>`
    select c.relname as "table", a.attname as "column", coalesce(co.collname, 'default') as collation
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    left join pg_collation co on co.oid = a.attcollation
    where c.relname ~ '^(notifications|events|delivery_attempts)(_y[0-9]{4}m[0-9]{2})?$'
      and a.attname in ('tenant', 'event_id', 'recipient_ref', 'provider_message_id')`.execute(of);
  const keys = new Set(textKeys.map(([t, c]) => `${t}.${c}`));
  return new Set(
    rows
      .filter((r) => keys.has(`${r.table.replace(/_y\d{4}m\d{2}$/, '')}.${r.column}`))
      .map((r) => r.collation),
  );
}

let clock = Date.parse('2026-11-20T09:00:00Z');
const at = () => new Date((clock += 1000));

/** A notification's queued and sent (with a provider message id), for tenant `tenant`. */
function delivered(job: DeliveryJob, messageId: string) {
  return [
    statusEventFor(job, 'queued', 'herald/test', at()),
    statusEventFor(job, 'sent', 'herald/test', at(), {
      provider: { statusCode: 250, messageId },
    }),
  ];
}

/** Herald's views over the audit tables: definition, comment, and whether PUBLIC may read them. */
async function heraldViews(of: Kysely<HeraldDatabase>) {
  const { rows } = await sql<{
    name: string;
    definition: string;
    note: string | null;
    publicSelect: boolean;
  }>`
    select c.relname as name, pg_get_viewdef(c.oid) as definition,
           obj_description(c.oid, 'pg_class') as note,
           has_table_privilege('public', c.oid, 'select') as "publicSelect"
    from pg_class c
    where c.relkind = 'v' and c.relname in ('audit_undelivered', 'audit_event_outcomes')
    order by c.relname`.execute(of);
  return rows;
}

it('keeps every audit text key in the C collation, on the parents and their partitions', async () => {
  const job = auditJob(deterministicId('text-keys', 'a'), 'evt-text-keys-a');
  await new AuditStore(db).write(delivered(job, 'msg-text-keys-a'));
  expect(await collations(db)).toEqual(new Set(['C']));
});

it('finds rows by each key through its index', async () => {
  const store = new AuditStore(db);
  for (let n = 0; n < 20; n++) {
    const job = auditJob(deterministicId('text-keys-plan', String(n)), `evt-plan-${n}`, {
      recipient: `user-${n}`,
    });
    await store.write(delivered(job, `msg-plan-${n}`));
  }
  // What the API, `herald audit` and the receipts ask, with the seq scan priced out: a
  // plan without the index means the comparison's collation is not the index's.
  const plan = async (query: string) => {
    const { rows } = await db.transaction().execute(async (tx) => {
      await sql`set local enable_seqscan = off`.execute(tx);
      return sql<{ 'QUERY PLAN': string }>`explain ${sql.raw(query)}`.execute(tx);
    });
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  };
  const index = (name: string) =>
    new RegExp(`(Index Scan|Index Only Scan) using ${name} |Bitmap Index Scan on ${name}\\b`);
  expect(await plan(`select * from notifications where event_id = 'evt-plan-3'`)).toMatch(
    index('notifications_\\w*event_id_idx'),
  );
  expect(await plan(`select * from notifications where recipient_ref = 'user-3'`)).toMatch(
    index('notifications_\\w*recipient_ref\\w*_idx'),
  );
  expect(
    await plan(`select * from notifications where provider_message_id = 'msg-plan-3'`),
  ).toMatch(index('notifications_\\w*provider_message_id_idx'));
  expect(
    await plan(`select * from notifications where tenant = 'acme' order by event_time desc`),
  ).toMatch(index('notifications_\\w*tenant\\w*_idx'));
  expect(
    await plan(`select * from events where event_id = 'evt-plan-3' and tenant = 'acme'`),
  ).toMatch(index('events_\\w*pkey'));
  expect(
    await plan(`select * from delivery_attempts where provider_message_id = 'msg-plan-3'`),
  ).toMatch(index('delivery_attempts_\\w*provider_message_id_idx'));
  // And through Herald's own queries, with their parameters.
  const queries = new AuditQueries(db);
  expect((await queries.byProviderMessageId('msg-plan-3'))?.event_id).toBe('evt-plan-3');
  const byEvent = await queries.event('evt-plan-3', { tenant: 'acme' });
  expect((await queries.recipient('user-3')).map((n) => n.event_id)).toEqual(['evt-plan-3']);
  expect(byEvent.events).toHaveLength(1);
  expect(byEvent.notifications).toHaveLength(1);
});

it('0019 on a database written before it rewrites no table and keeps its rows and views', () =>
  withDatabaseBefore('0019', async (old) => {
    const store = new AuditStore(old);
    const jobs = ['a', 'b', 'c'].map((k) =>
      auditJob(deterministicId('text-keys-upgrade', k), `evt-upgrade-${k}`, {
        recipient: `user-${k}`,
      }),
    );
    for (const job of jobs.slice(0, 2))
      await store.write(delivered(job, `msg-upgrade-${job.event.id}`));
    expect(await collations(old)).toEqual(new Set(['default']));
    const files = async () => {
      const { rows } = await sql<{ name: string; file: string }>`
        select relname as name, relfilenode::text as file from pg_class
        where relname ~ '^(notifications|events|delivery_attempts)_y[0-9]{4}m[0-9]{2}$'
        order by relname`.execute(old);
      return rows;
    };
    const heaps = await files();
    expect(heaps.length).toBeGreaterThan(0);
    // What an operator may have added to Herald's views: a read-only grant.
    await sql`grant select on audit_event_outcomes to public`.execute(old);
    const views = await heraldViews(old);
    expect(views.find((v) => v.name === 'audit_event_outcomes')).toMatchObject({
      note: expect.stringContaining('Each accepted event'),
      publicSelect: true,
    });

    expect((await migrateToLatest(old))[0]).toBe('0019_audit_text_keys_c_collation');
    expect(await collations(old)).toEqual(new Set(['C']));
    expect(await files()).toEqual(heaps);
    // The views as they were: definition, comment and grants.
    expect(await heraldViews(old)).toEqual(views);
    const { rows: counts } = await sql<{
      notifications: number;
      events: number;
      undelivered: number;
    }>`
      select (select count(*)::int from notifications) as notifications,
             (select count(*)::int from audit_event_outcomes) as events,
             (select count(*)::int from audit_undelivered) as undelivered`.execute(old);
    expect(counts[0]).toEqual({ notifications: 2, events: 2, undelivered: 0 });

    // The audit goes on: a later status of an old row, and a new notification.
    await store.write([
      statusEventFor(jobs[0]!, 'delivered', 'herald/test', at()),
      ...delivered(jobs[2]!, `msg-upgrade-${jobs[2]!.event.id}`),
    ]);
    const { rows } = await sql<{ event_id: string; outcome: string }>`
      select event_id, outcome from audit_event_outcomes order by event_id`.execute(old);
    expect(rows).toEqual([
      { event_id: 'evt-upgrade-a', outcome: 'delivered' },
      { event_id: 'evt-upgrade-b', outcome: 'sent' },
      { event_id: 'evt-upgrade-c', outcome: 'sent' },
    ]);
  }));

it('0019 stops, naming it, at an operator view over those columns, and changes nothing', () =>
  withDatabaseBefore('0019', async (old) => {
    await sql`create view tenant_report as select tenant, count(*) from notifications group by tenant`.execute(
      old,
    );
    await expect(migrateToLatest(old)).rejects.toThrow(
      /these views of yours read: tenant_report\. Save each one's definition .* DROP VIEW it, run the migration again, then CREATE VIEW it again/,
    );
    expect(await collations(old)).toEqual(new Set(['default']));
    expect((await heraldViews(old)).map((v) => v.name)).toEqual([
      'audit_event_outcomes',
      'audit_undelivered',
    ]);
    // What the message says to do works.
    await sql`drop view tenant_report`.execute(old);
    expect((await migrateToLatest(old))[0]).toBe('0019_audit_text_keys_c_collation');
    expect(await collations(old)).toEqual(new Set(['C']));
  }));
