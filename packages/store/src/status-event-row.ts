import type { Insertable } from 'kysely';
import type { StatusEvent } from '@herald/core';
import type { StatusEventsTable } from './database.js';
import { canonicalTime } from './audit-rows.js';

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
