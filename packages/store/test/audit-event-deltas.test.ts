/**
 * The `events` rows kept by deltas (migrations/0018) on a real Postgres: whatever the
 * order, chunking, replays and concurrency of the statuses, every events row equals a
 * full recount of its notifications, after every step; a replay changes nothing; a row
 * missing while its notifications exist is recounted; 0018 on a database written by
 * 0016 backfills `delivered` and counts on from there.
 */
import { sql, type Kysely } from 'kysely';
import {
  deterministicId,
  statusEventFor,
  type NotificationState,
  type StatusEvent,
} from '@herald/core';
import { AuditStore, migrateToLatest, type EventsTable, type HeraldDatabase } from '@herald/store';
import { auditJob } from './audit-job.js';
import { migratedDatabase, withDatabaseBefore } from './migrated-database.js';

let db: Kysely<HeraldDatabase>;

migratedDatabase((created) => {
  db = created;
});

/** A small seeded generator (mulberry32): the same run for the same seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: readonly T[], next: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

type Step = readonly [NotificationState, number, boolean?]; // state, attempt, retryable

/** Where a notification can go, one step list each: every count and outcome is reached. */
const paths: readonly (readonly Step[])[] = [
  [
    ['queued', 1],
    ['sending', 1],
    ['sent', 1],
  ],
  [
    ['queued', 1],
    ['sending', 1],
    ['sent', 1],
    ['delivered', 1],
  ],
  [
    ['queued', 1],
    ['sending', 1],
    ['failed', 1, true],
    ['sending', 2],
    ['sent', 2],
  ],
  [
    ['queued', 1],
    ['sending', 1],
    ['failed', 1, true],
  ],
  [
    ['queued', 1],
    ['sending', 1],
    ['failed', 1, false],
    ['dead_lettered', 1],
  ],
  [
    ['queued', 1],
    ['sending', 1],
    ['failed', 1, true],
    ['failed', 2, false],
  ],
  [
    ['queued', 1],
    ['suppressed', 1],
  ],
  [
    ['queued', 1],
    ['digested', 1],
  ],
  [
    ['queued', 1],
    ['cancelled', 1],
  ],
  [
    ['queued', 1],
    ['sent', 1],
    ['bounced', 1],
  ],
  [
    ['queued', 1],
    ['sent', 1],
    ['delivered', 1],
    ['seen', 1],
    ['read', 1],
    ['archived', 1],
  ],
  [
    ['queued', 1],
    ['rejected', 1],
  ],
  [
    ['queued', 1],
    ['deferred', 1],
  ],
  [
    ['queued', 1],
    ['retrying', 2],
    ['sending', 2],
  ],
];

/** Statuses of a few events (one id used by two tenants, one in another month). */
function workload(prefix: string, next: () => number): StatusEvent[] {
  const events = [
    { id: `${prefix}-a`, tenant: 'acme', time: '2026-11-20T08:00:00.000Z' },
    { id: `${prefix}-a`, tenant: 'globex', time: '2026-11-20T08:00:00.000Z' },
    { id: `${prefix}-b`, tenant: 'acme', time: '2026-11-20T09:30:00.000Z' },
    { id: `${prefix}-c`, tenant: 'acme', time: '2026-11-21T10:00:00.000Z' },
    { id: `${prefix}-d`, tenant: 'acme', time: '2026-12-01T00:00:00.000Z' },
  ];
  const statuses: StatusEvent[] = [];
  let clock = Date.parse('2026-11-22T00:00:00Z');
  for (const event of events) {
    const count = 3 + Math.floor(next() * 6);
    for (let i = 0; i < count; i++) {
      const notificationId = deterministicId(prefix, event.id, event.tenant, String(i));
      const path = paths[Math.floor(next() * paths.length)]!;
      for (const [state, attempt, retryable] of path) {
        const job = auditJob(notificationId, event.id, {
          recipient: `u${i}`,
          eventTime: event.time,
          tenant: event.tenant,
          attempt,
        });
        statuses.push(
          statusEventFor(job, state, 'herald/test', new Date((clock += 1000)), {
            maxAttempts: 3,
            ...(retryable === undefined ? {} : { retryable }),
          }),
        );
      }
    }
  }
  return statuses;
}

const outcomeOf = (c: { pending: number; succeeded: number; delivered: number; failed: number }) =>
  c.pending > 0
    ? 'pending'
    : c.failed === 0 && c.succeeded > 0 && c.delivered === c.succeeded
      ? 'delivered'
      : c.failed === 0 && c.succeeded > 0
        ? 'sent'
        : c.failed === 0
          ? 'suppressed'
          : c.succeeded === 0
            ? 'failed'
            : 'partial';

/** Three notifications of one event `${prefix}-a`, and a clock a second further on each call. */
function threeNotifications(prefix: string) {
  const jobs = [0, 1, 2].map((i) =>
    auditJob(deterministicId(prefix, String(i)), `${prefix}-a`, {
      recipient: `u${i}`,
      eventTime: '2026-11-20T08:00:00.000Z',
    }),
  );
  let clock = Date.parse('2026-11-22T00:00:00Z');
  return { jobs, at: () => new Date((clock += 1000)) };
}

/** An events row without its outcome: what the recount in this test computes. */
type Counts = Omit<EventsTable, 'outcome'>;

/** Every notification of the prefix's events counted again, as 0016 did on each write. */
async function recount(prefix: string): Promise<(Counts & { outcome: string })[]> {
  const { rows } = await sql<Counts>`
    select event_id, tenant, event_time, min(event_type) as event_type,
           min(first_status_at) as first_seen_at, max(last_status_at) as last_status_at,
           count(*)::int as notifications,
           count(*) filter (where state in ('queued', 'deferred', 'sending', 'retrying')
                            or (state = 'failed' and retryable))::int as pending,
           count(*) filter (where state in ('sent', 'delivered', 'seen', 'read', 'archived'))::int as succeeded,
           count(*) filter (where state in ('delivered', 'seen', 'read', 'archived'))::int as delivered,
           count(*) filter (where state in ('dead_lettered', 'bounced', 'rejected')
                            or (state = 'failed' and retryable is not true))::int as failed,
           count(*) filter (where state in ('suppressed', 'digested', 'cancelled'))::int as suppressed
    from notifications where event_id like ${`${prefix}-%`}
    group by event_id, tenant, event_time
    order by event_id, tenant, event_time`.execute(db);
  return rows.map((r) => ({ ...r, outcome: outcomeOf(r) }));
}

async function stored(prefix: string): Promise<(Counts & { outcome: string })[]> {
  const { rows } = await sql<Counts & { outcome: string }>`
    select event_id, tenant, event_time, event_type, first_seen_at, last_status_at,
           notifications, pending, succeeded, delivered, failed, suppressed, outcome
    from events where event_id like ${`${prefix}-%`}
    order by event_id, tenant, event_time`.execute(db);
  return rows;
}

function chunksOf<T>(items: readonly T[], next: () => number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length;) {
    const size = 1 + Math.floor(next() * 12);
    chunks.push(items.slice(i, i + size));
    i += size;
  }
  return chunks;
}

it.each([1, 2, 3, 4, 5, 6])(
  'events equal a full recount after every step: shuffled chunks, replays, two writers at once (seed %i)',
  async (seed) => {
    const next = random(seed);
    const prefix = `evt-delta-${seed}`;
    const statuses = workload(prefix, next);
    // A third of the statuses arrive twice (a redelivered chunk), anywhere in the stream.
    const stream = shuffle([...statuses, ...statuses.filter(() => next() < 0.33)], next);
    const chunks = chunksOf(stream, next);
    const [left, right] = [new AuditStore(db), new AuditStore(db)];
    for (let i = 0; i < chunks.length; i += 2) {
      // Two replicas writing chunks of the same events at the same moment.
      await Promise.all([
        left.write(chunks[i]!),
        chunks[i + 1] ? right.write(chunks[i + 1]!) : undefined,
      ]);
      expect(await stored(prefix)).toEqual(await recount(prefix));
    }
    const final = await stored(prefix);
    expect(final.length).toBe(5);
    expect(final.reduce((n, e) => n + e.notifications, 0)).toBe(
      new Set(statuses.map((s) => s.data.notificationId)).size,
    );

    // Everything again, in another order and chunking: no row and no count changes.
    for (const chunk of chunksOf(shuffle(statuses, next), next)) {
      const result = await left.write(chunk);
      expect(result).toEqual({ statusEvents: 0, notifications: 0, attempts: 0, events: 0 });
    }
    expect(await stored(prefix)).toEqual(final);
  },
);

it('recounts an event whose row is missing while its notifications exist', async () => {
  const prefix = 'evt-delta-missing';
  const { jobs, at } = threeNotifications(prefix);
  const store = new AuditStore(db);
  await store.write(jobs.map((j) => statusEventFor(j, 'queued', 'herald/test', at())));
  // Not a state Herald leaves (e.g. retention dropped the month's events first).
  await sql`delete from events where event_id = ${`${prefix}-a`}`.execute(db);
  await store.write([statusEventFor(jobs[0]!, 'sent', 'herald/test', at())]);
  const [row] = await stored(prefix);
  expect(row).toMatchObject({ notifications: 3, pending: 2, succeeded: 1, outcome: 'pending' });
  expect(await stored(prefix)).toEqual(await recount(prefix));
});

it('an insert into events that leaves out delivered is refused (0016 in flight retries its chunk)', async () => {
  await expect(
    sql`insert into events (event_id, tenant, event_time, event_type, first_seen_at,
          last_status_at, notifications, pending, succeeded, failed, suppressed, outcome)
        values ('evt-delta-old', 'acme', '2026-11-20T08:00:00Z', 't', now(), now(),
          1, 0, 1, 0, 0, 'sent')`.execute(db),
  ).rejects.toThrow(/null value in column "delivered"/);
});

it('0018 on a database written by 0016 backfills delivered, and counts on from there', () =>
  withDatabaseBefore('0018', async (old) => {
    const prefix = 'evt-delta-backfill';
    const { jobs, at } = threeNotifications(prefix);
    const store = new AuditStore(old);
    await store.write(
      jobs.flatMap((j, i) => [
        statusEventFor(j, 'queued', 'herald/test', at()),
        statusEventFor(j, 'sent', 'herald/test', at()),
        ...(i < 2 ? [statusEventFor(j, 'delivered', 'herald/test', at())] : []),
      ]),
    );
    expect((await migrateToLatest(old))[0]).toBe('0018_audit_event_deltas');
    const row = async () => {
      const { rows } = await sql<{ delivered: number; succeeded: number; outcome: string }>`
        select delivered, succeeded, outcome from events where event_id = ${`${prefix}-a`}`.execute(
        old,
      );
      return rows[0];
    };
    expect(await row()).toEqual({ delivered: 2, succeeded: 3, outcome: 'sent' });
    await store.write([statusEventFor(jobs[2]!, 'delivered', 'herald/test', at())]);
    expect(await row()).toEqual({ delivered: 3, succeeded: 3, outcome: 'delivered' });
  }));
