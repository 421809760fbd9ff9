import { sql, type Kysely } from 'kysely';
import { deterministicId, statusEventFor, type DeliveryJob } from '@herald/core';
import {
  ensureMonthlyPartitions,
  migrateToLatest,
  AuditStore,
  type HeraldDatabase,
} from '@herald/store';
import { migratedDatabase } from './migrated-database.js';

let db: Kysely<HeraldDatabase>;

migratedDatabase((created) => {
  db = created;
});

async function partitions(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    join pg_class p on p.oid = i.inhparent
    where p.relname = 'status_events' order by 1`.execute(db);
  return rows.map((r) => r.name);
}

const job: DeliveryJob = {
  notificationId: deterministicId('e1', 'r1', 'alice', 'webhook'),
  event: { id: 'e1', source: 's', type: 'order.shipped', time: '2026-12-31T23:59:59Z' },
  tenant: 'acme',
  rule: { id: 'r1', version: 1 },
  channel: 'webhook',
  recipient: { ref: 'alice', address: 'http://127.0.0.1/x' },
  priority: 'normal',
  attempt: 1,
  payload: {},
  plannedAt: '2027-01-01T00:00:01Z',
};

describe('store', () => {
  it('migrations are idempotent: a second run applies nothing', async () => {
    expect(await migrateToLatest(db)).toEqual([]);
  });

  it('creates monthly partitions ahead, across a year boundary, idempotently and concurrently', async () => {
    const from = new Date('2026-11-15T12:00:00Z');
    const created = await Promise.all([
      ensureMonthlyPartitions(db, 'status_events', from, 2),
      ensureMonthlyPartitions(db, 'status_events', from, 2),
    ]);
    expect(created.sort()).toEqual([0, 3]);
    expect(await partitions()).toEqual(
      expect.arrayContaining([
        'status_events_y2026m11',
        'status_events_y2026m12',
        'status_events_y2027m01',
      ]),
    );
    expect(await ensureMonthlyPartitions(db, 'status_events', from, 2)).toBe(0);
  });

  it('routes rows by UTC month: 23:59:59 on Dec 31 lands in December', async () => {
    const store = new AuditStore(db);
    const event = statusEventFor(job, 'sent', 'herald/test', new Date('2027-01-01T00:00:02Z'));
    expect((await store.write([event])).statusEvents).toBe(1);
    const { rows } = await sql<{
      tableoid: string;
    }>`select tableoid::regclass::text as tableoid from status_events where id = ${event.id}`.execute(
      db,
    );
    expect(rows[0]?.tableoid).toBe('status_events_y2026m12');
  });

  it('insert is idempotent and creates a missing partition for a far-away month', async () => {
    const store = new AuditStore(db);
    const far = { ...job, event: { ...job.event, time: '2031-05-05T00:00:00Z' } };
    const event = statusEventFor(far, 'failed', 'herald/test', new Date('2031-05-05T00:00:01Z'), {
      reason: 'boom',
    });
    expect((await store.write([event, event])).statusEvents).toBe(1);
    expect((await store.write([event])).statusEvents).toBe(0);
    expect(await partitions()).toContain('status_events_y2031m05');
    const stored = await db
      .selectFrom('status_events')
      .selectAll()
      .where('id', '=', event.id)
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      state: 'failed',
      reason: 'boom',
      tenant: 'acme',
      channel: 'webhook',
    });
  });
});
