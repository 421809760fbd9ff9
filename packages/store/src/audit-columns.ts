import type { AttemptRow, NotificationRow } from './audit-rows.js';
import type { StatusRow } from './status-event-row.js';
import type { Columns } from './array-arguments.js';

// The columns of the auditor's three projections, in the order herald_audit_write
// (migrations/0016) takes them as arrays: that function holds the upserts' merge rules
// (which side wins, when a row counts as changed), applied in Postgres.

export const statusColumns: Columns<StatusRow> = [
  ['id', 'uuid'],
  ['event_time', 'timestamptz'],
  ['notification_id', 'uuid'],
  ['state', 'text'],
  ['reason', 'text'],
  ['tenant', 'text'],
  ['event_id', 'text'],
  ['event_type', 'text'],
  ['rule_id', 'text'],
  ['rule_version', 'int4'],
  ['channel', 'text'],
  ['recipient_ref', 'text'],
  ['attempt', 'int4'],
  ['max_attempts', 'int4'],
  ['retryable', 'bool'],
  ['provider_status', 'int4'],
  ['provider_message_id', 'text'],
  ['provider_message', 'text'],
  ['occurred_at', 'timestamptz'],
];

export const notificationColumns: Columns<NotificationRow> = [
  ['notification_id', 'uuid'],
  ['event_time', 'timestamptz'],
  ['tenant', 'text'],
  ['event_id', 'text'],
  ['event_type', 'text'],
  ['rule_id', 'text'],
  ['rule_version', 'int4'],
  ['channel', 'text'],
  ['recipient_ref', 'text'],
  ['state', 'text'],
  ['state_rank', 'int4'],
  ['state_at', 'timestamptz'],
  ['reason', 'text'],
  ['attempt', 'int4'],
  ['max_attempts', 'int4'],
  ['retryable', 'bool'],
  ['provider_name', 'text'],
  ['provider_status', 'int4'],
  ['provider_message_id', 'text'],
  ['provider_message', 'text'],
  ['first_status_at', 'timestamptz'],
  ['last_status_at', 'timestamptz'],
  ['queued_at', 'timestamptz'],
  ['sent_at', 'timestamptz'],
  ['delivered_at', 'timestamptz'],
  ['failed_at', 'timestamptz'],
  ['seen_at', 'timestamptz'],
  ['read_at', 'timestamptz'],
  ['archived_at', 'timestamptz'],
];

export const attemptColumns: Columns<AttemptRow> = [
  ['notification_id', 'uuid'],
  ['attempt', 'int4'],
  ['event_time', 'timestamptz'],
  ['tenant', 'text'],
  ['channel', 'text'],
  ['recipient_ref', 'text'],
  ['state', 'text'],
  ['state_rank', 'int4'],
  ['reason', 'text'],
  ['retryable', 'bool'],
  ['provider_name', 'text'],
  ['provider_status', 'int4'],
  ['provider_message_id', 'text'],
  ['provider_message', 'text'],
  ['started_at', 'timestamptz'],
  ['finished_at', 'timestamptz'],
];
