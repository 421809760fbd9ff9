import type { Insertable, Kysely } from 'kysely';
import type { StatusEvent } from '@herald/core';
import type { HeraldDatabase, StatusEventsTable } from './database.js';
import { canonicalTime } from './audit-rows.js';
import { ensureMonthlyPartitions, monthKey } from './partitions.js';

/** A `status_events` row as the auditor writes it: times as canonical ISO strings. */
export type StatusRow = Omit<StatusEventsTable, 'event_time' | 'occurred_at' | 'recorded_at'> & {
  event_time: string;
  occurred_at: string;
};

/** A status event's `status_events` columns, times as canonical ISO strings. */
export function statusEventColumns(event: StatusEvent): StatusRow {
  const d = event.data;
  return {
    id: event.id,
    event_time: canonicalTime(d.eventTime),
    notification_id: d.notificationId,
    state: d.state,
    reason: d.reason ?? null,
    tenant: d.tenant,
    event_id: d.eventId,
    event_type: d.eventType,
    rule_id: d.rule.id,
    rule_version: d.rule.version,
    channel: d.channel,
    recipient_ref: d.recipientRef,
    attempt: d.attempt,
    max_attempts: d.maxAttempts ?? null,
    retryable: d.retryable ?? null,
    provider_status: d.provider?.statusCode ?? null,
    provider_message_id: d.provider?.messageId ?? null,
    provider_message: d.provider?.message ?? null,
    occurred_at: canonicalTime(d.occurredAt),
  };
}

/** Maps a status event to its audit row, times as `Date`s (for kysely inserts). */
export function statusEventRow(event: StatusEvent): Insertable<StatusEventsTable> {
  const row = statusEventColumns(event);
  return { ...row, event_time: new Date(row.event_time), occurred_at: new Date(row.occurred_at) };
}

/**
 * Writes status events in multi-row inserts. Idempotent: a replayed event has the
 * same (id, event_time) and is skipped. Partitions for the months a batch touches are
 * created on first sight, so an old or future-dated event never fails the batch.
 */
export class StatusEventStore {
  readonly #db: Kysely<HeraldDatabase>;
  readonly #knownMonths = new Set<string>();

  constructor(db: Kysely<HeraldDatabase>) {
    this.#db = db;
  }

  async insert(rows: readonly Insertable<StatusEventsTable>[]): Promise<number> {
    if (rows.length === 0) return 0;
    for (const row of rows) {
      const time = row.event_time as Date;
      const key = monthKey(time);
      if (!this.#knownMonths.has(key)) {
        await ensureMonthlyPartitions(this.#db, 'status_events', time, 0);
        this.#knownMonths.add(key);
      }
    }
    const result = await this.#db
      .insertInto('status_events')
      .values([...rows])
      .onConflict((oc) => oc.columns(['id', 'event_time']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0);
  }
}
