import { sql, type Kysely } from 'kysely';
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
import { attemptColumns, notificationColumns, statusColumns } from './audit-columns.js';
import { arrayArguments } from './array-arguments.js';
import { groupBy, groupByPair } from './group-rows.js';

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
    const statusRows = groupByPair(
      events.map(statusEventColumns),
      (r) => r.id,
      (r) => r.event_time,
      (a) => a,
    );
    const notifications = groupBy(
      events.map(notificationRow),
      (r) => r.notification_id,
      mergeNotificationRows,
    );
    const attempts = groupByPair(
      events.map(attemptRow).filter((r): r is AttemptRow => r !== undefined),
      (r) => r.notification_id,
      (r) => r.attempt,
      mergeAttemptRows,
    );
    return auditWrite(this.#db, statusRows, notifications, attempts);
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
 * Writes one chunk through `herald_audit_write` (migrations/0016): `status_events`
 * (insert, skip duplicates), `delivery_attempts` and `notifications` (upserts by state
 * rank), then, under an advisory lock per event, the `events` rows of the notifications
 * that changed. One statement, so one round trip and its own implicit transaction: the
 * chunk commits whole or not at all (BEGIN, three statements and COMMIT before 0016).
 */
async function auditWrite(
  db: Kysely<AuditDatabase>,
  statusRows: readonly StatusRow[],
  notifications: ReadonlyMap<string, NotificationRow>,
  attempts: readonly AttemptRow[],
): Promise<AuditWriteResult> {
  // Sorted by key: concurrent chunks lock rows in the same order (no deadlocks).
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
  const { rows } = await sql<{
    inserted_statuses: number;
    changed_attempts: number;
    changed_notifications: number;
    changed_events: number;
  }>`select * from herald_audit_write(${sql.join([
    ...arrayArguments(statusColumns, statusRows),
    ...arrayArguments(attemptColumns, sortedAttempts),
    ...arrayArguments(notificationColumns, sortedNotifications),
  ])})`.execute(db);
  const row = rows[0]!;
  return {
    statusEvents: row.inserted_statuses,
    notifications: row.changed_notifications,
    attempts: row.changed_attempts,
    // Only the events of notifications that changed: a replayed chunk recomputes
    // nothing, and takes no event lock.
    events: row.changed_events,
  };
}
