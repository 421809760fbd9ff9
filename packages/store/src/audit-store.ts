import { sql, type Kysely, type Transaction } from 'kysely';
import type { StatusEvent } from '@herald/core';
import type { HeraldDatabase } from './database.js';
import { ensureMonthlyPartitions, monthKey } from './partitions.js';
import { statusEventColumns, type StatusRow } from './status-event-row.js';
import {
  attemptRow,
  canonicalTime,
  mergeAttemptRows,
  mergeNotificationRows,
  notificationRow,
  type AttemptRow,
  type AuditTables,
  type NotificationRow,
} from './audit-rows.js';
import {
  attemptChanged,
  attemptColumns,
  attemptUpdate,
  notificationChanged,
  notificationColumns,
  notificationUpdate,
  statusColumns,
} from './audit-upserts.js';
import { arrayLiteral, unnestInsert } from './unnest-insert.js';

type AuditDatabase = HeraldDatabase & AuditTables;

/** The partitioned tables the auditor writes, all partitioned by month on event_time. */
export const auditTables = [
  'status_events',
  'notifications',
  'delivery_attempts',
  'events',
] as const;

/** What one `write` changed (rows inserted or updated, per table). */
export interface AuditWriteResult {
  readonly statusEvents: number;
  readonly notifications: number;
  readonly attempts: number;
  readonly events: number;
}

function groupBy<T>(
  rows: Iterable<T>,
  key: (row: T) => string,
  merge: (a: T, b: T) => T,
): Map<string, T> {
  const map = new Map<string, T>();
  for (const row of rows) {
    const k = key(row);
    const seen = map.get(k);
    map.set(k, seen === undefined ? row : merge(seen, row));
  }
  return map;
}

/**
 * Writes a batch of status events into every audit projection, in one transaction:
 * `status_events` (insert, skip duplicates), `notifications` and `delivery_attempts`
 * (upsert by state rank), `events` (recomputed from its notifications). Idempotent
 * and order-insensitive: replaying any suffix of the topic, in any order, leaves the
 * same rows. Partitions for the months a batch touches are created on first sight.
 *
 * @example
 * const store = new AuditStore(db);
 * await store.write(statusEvents); // { statusEvents: 3, notifications: 1, attempts: 1, events: 1 }
 */
export class AuditStore {
  readonly #db: Kysely<AuditDatabase>;
  readonly #knownMonths = new Set<string>();

  constructor(db: Kysely<HeraldDatabase>) {
    this.#db = db.withTables<AuditTables>();
  }

  async write(events: readonly StatusEvent[]): Promise<AuditWriteResult> {
    if (events.length === 0) return { statusEvents: 0, notifications: 0, attempts: 0, events: 0 };
    await this.#ensurePartitions(events);
    const statusRows = [
      ...groupBy(
        events.map(statusEventColumns),
        (r) => `${r.id}|${r.event_time}`,
        (a) => a,
      ).values(),
    ];
    const notifications = groupBy(
      events.map(notificationRow),
      (r) => r.notification_id,
      mergeNotificationRows,
    );
    const attempts = [
      ...groupBy(
        events.map(attemptRow).filter((r): r is AttemptRow => r !== undefined),
        (r) => `${r.notification_id}|${r.attempt}`,
        mergeAttemptRows,
      ).values(),
    ];
    return this.#db.transaction().execute(async (trx) => {
      const {
        statusEvents,
        attempts: attemptCount,
        changed,
      } = await writeProjections(trx, statusRows, notifications, attempts);
      return {
        statusEvents,
        notifications: changed.length,
        attempts: attemptCount,
        // Only the events of notifications that changed: a replayed chunk recomputes
        // nothing, and takes no event lock.
        events: await recomputeEvents(trx, changed),
      };
    });
  }

  async #ensurePartitions(events: readonly StatusEvent[]): Promise<void> {
    for (const event of events) {
      const eventTime = event.data.eventTime;
      // A canonical time names its UTC month in its first seven characters.
      const time = canonicalTime(eventTime);
      if (this.#knownMonths.has(time.slice(0, 7))) continue;
      const date = new Date(time);
      const key = monthKey(date);
      if (this.#knownMonths.has(key)) continue;
      for (const table of auditTables) await ensureMonthlyPartitions(this.#db, table, date, 0);
      this.#knownMonths.add(key);
    }
  }
}

/**
 * Writes `status_events` (insert, skip duplicates), `delivery_attempts` and
 * `notifications` (upserts by state rank) in one statement, three data-modifying CTEs:
 * one round trip and one plan per chunk instead of three. Returns the counts and the
 * notification rows inserted or changed (Postgres returns only their ids: the rest is
 * in memory already).
 */
async function writeProjections(
  trx: Transaction<AuditDatabase>,
  statusRows: readonly StatusRow[],
  notifications: ReadonlyMap<string, NotificationRow>,
  attempts: readonly AttemptRow[],
): Promise<{ statusEvents: number; attempts: number; changed: NotificationRow[] }> {
  // Sorted by key: concurrent batches lock rows in the same order (no deadlocks).
  const sortedNotifications = [...notifications.values()].sort((a, b) =>
    a.notification_id < b.notification_id ? -1 : 1,
  );
  const sortedAttempts = [...attempts].sort((a, b) =>
    a.notification_id === b.notification_id
      ? a.attempt - b.attempt
      : a.notification_id < b.notification_id
        ? -1
        : 1,
  );
  const { rows } = await sql<{ s: number; a: number; ids: string | null }>`
    with s as (${unnestInsert(
      'status_events',
      statusColumns,
      statusRows,
      'on conflict (id, event_time) do nothing returning 1',
    )}),
    a as (${unnestInsert(
      'delivery_attempts',
      attemptColumns,
      sortedAttempts,
      `on conflict (notification_id, attempt, event_time) do update set ${attemptUpdate} where ${attemptChanged} returning 1`,
    )}),
    n as (${unnestInsert(
      'notifications',
      notificationColumns,
      sortedNotifications,
      `on conflict (notification_id, event_time) do update set ${notificationUpdate} where ${notificationChanged} returning notification_id`,
    )})
    select (select count(*) from s)::int as s, (select count(*) from a)::int as a,
           (select string_agg(notification_id::text, ',') from n) as ids`.execute(trx);
  const row = rows[0]!;
  return {
    statusEvents: row.s,
    attempts: row.a,
    // Postgres prints uuids in lower case, as notificationRow writes them.
    changed: row.ids === null ? [] : row.ids.split(',').map((id) => notifications.get(id)!),
  };
}

/**
 * Recomputes the `events` rows of the events whose notifications this batch changed,
 * from their notifications. Notifications of one event arrive on several partitions, so batches
 * run concurrently: an advisory lock per event (taken in a fixed order) serialises
 * them, and the recompute statement then sees every committed notification.
 */
async function recomputeEvents(
  trx: Transaction<AuditDatabase>,
  notifications: readonly NotificationRow[],
): Promise<number> {
  if (notifications.length === 0) return 0;
  const keys = [
    ...groupBy(
      notifications,
      (n) => `${n.event_id}|${n.tenant}|${n.event_time}`,
      (a) => a,
    ).values(),
  ];
  const ids = arrayLiteral(keys, 'event_id', 'text');
  const tenants = arrayLiteral(keys, 'tenant', 'text');
  const times = arrayLiteral(keys, 'event_time', 'timestamptz');
  await sql`
    select pg_advisory_xact_lock(k) from (
      select distinct hashtextextended('herald_event:' || e || '|' || t, 0) as k
      from unnest(${ids}::text[], ${tenants}::text[]) as u(e, t) order by 1
    ) s`.execute(trx);
  // One pass for every event of the chunk: the notifications whose event id and event
  // time are among the chunk's (a bitmap scan of notifications_event_idx once the month
  // has rows; the times prune partitions), kept when their exact (event id, tenant, event
  // time) key is one of the chunk's, then counted per event. A probe per event
  // (LATERAL) costs 3x this on chunks of 1,000, and as a plain equality on tenant and
  // event time it let the planner pick the (tenant, state, event_time) index, reading
  // every entry of the tenant per event: 60 % of Postgres's CPU in the auditor bench
  // (docs/benchmarks.md, "Auditor").
  const result = await sql`
    insert into events (event_id, tenant, event_time, event_type, first_seen_at, last_status_at,
                        notifications, pending, succeeded, failed, suppressed, outcome)
    select event_id, tenant, event_time, event_type, first_seen_at, last_status_at, total,
           pending, succeeded, failed, suppressed,
           -- delivered only when every success is a provider's receipt of arrival; a
           -- provider that accepted a message (sent) has not delivered it yet.
           case when pending > 0 then 'pending'
                when failed = 0 and succeeded > 0 and delivered = succeeded then 'delivered'
                when failed = 0 and succeeded > 0 then 'sent'
                when failed = 0 then 'suppressed'
                when succeeded = 0 then 'failed'
                else 'partial' end
    from (
      select n.event_id, n.tenant, n.event_time,
             min(n.event_type) as event_type,
             min(n.first_status_at) as first_seen_at, max(n.last_status_at) as last_status_at,
             count(*)::int as total,
             count(*) filter (where n.state in ('queued', 'deferred', 'sending', 'retrying')
                              or (n.state = 'failed' and n.retryable))::int as pending,
             count(*) filter (where n.state in ('sent', 'delivered', 'seen', 'read', 'archived'))::int as succeeded,
             -- In-app engagement (seen, read, archived) implies delivery.
             count(*) filter (where n.state in ('delivered', 'seen', 'read', 'archived'))::int as delivered,
             count(*) filter (where n.state in ('dead_lettered', 'bounced', 'rejected')
                              or (n.state = 'failed' and n.retryable is not true))::int as failed,
             count(*) filter (where n.state = 'suppressed')::int as suppressed
      from notifications n
      where n.event_id = any(${ids}::text[]) and n.event_time = any(${times}::timestamptz[])
        and (n.event_id, n.tenant, n.event_time) in (
          select * from unnest(${ids}::text[], ${tenants}::text[], ${times}::timestamptz[]))
      group by n.event_id, n.tenant, n.event_time
      order by n.event_id, n.tenant, n.event_time
    ) c
    on conflict (event_id, tenant, event_time) do update set
      event_type = excluded.event_type, first_seen_at = excluded.first_seen_at,
      last_status_at = excluded.last_status_at, notifications = excluded.notifications,
      pending = excluded.pending, succeeded = excluded.succeeded, failed = excluded.failed,
      suppressed = excluded.suppressed, outcome = excluded.outcome
    where (events.notifications, events.pending, events.succeeded, events.failed,
           events.suppressed, events.last_status_at, events.first_seen_at, events.outcome)
      is distinct from (excluded.notifications, excluded.pending, excluded.succeeded,
           excluded.failed, excluded.suppressed, excluded.last_status_at, excluded.first_seen_at,
           excluded.outcome)`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}
