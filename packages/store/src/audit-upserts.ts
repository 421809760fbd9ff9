import type { AttemptRow, NotificationRow } from './audit-rows.js';
import type { StatusRow } from './status-event-row.js';
import type { Columns } from './unnest-insert.js';

// The SQL of the auditor's three projections: their columns and, for the two upserts,
// how a conflicting row is merged and when it counts as changed.

// The upsert's column rules (see the header of migrations/0004_audit.sql): state
// fields follow the higher rank, provider fields keep the last known value, and
// timestamps merge regardless of rank.
const higher = (t: string) => `excluded.state_rank > ${t}.state_rank`;
const ranked = (t: string, c: string) =>
  `CASE WHEN ${higher(t)} THEN excluded.${c} ELSE ${t}.${c} END`;
const kept = (t: string, c: string) =>
  `CASE WHEN ${higher(t)} THEN COALESCE(excluded.${c}, ${t}.${c}) ELSE COALESCE(${t}.${c}, excluded.${c}) END`;
const least = (t: string, c: string) => `LEAST(${t}.${c}, excluded.${c})`;
const newly = (t: string, c: string) => `(${t}.${c} IS NULL AND excluded.${c} IS NOT NULL)`;

function updateSet(t: string, rules: Record<string, (t: string, c: string) => string>): string {
  return Object.entries(rules)
    .map(([column, rule]) => `${column} = ${rule(t, column)}`)
    .join(', ');
}

export const notificationUpdate = updateSet('notifications', {
  state: ranked,
  state_rank: ranked,
  state_at: ranked,
  attempt: ranked,
  max_attempts: kept,
  retryable: ranked,
  reason: kept,
  provider_name: kept,
  provider_status: kept,
  provider_message_id: kept,
  provider_message: kept,
  first_status_at: least,
  last_status_at: (t, c) => `GREATEST(${t}.${c}, excluded.${c})`,
  queued_at: least,
  sent_at: least,
  delivered_at: least,
  failed_at: least,
  seen_at: least,
  read_at: least,
  archived_at: least,
  updated_at: () => 'now()',
});
// Only touch a row when something changes: a replay then writes no new tuples.
export const notificationChanged = [
  higher('notifications'),
  'excluded.first_status_at < notifications.first_status_at',
  'excluded.last_status_at > notifications.last_status_at',
  ...[
    'provider_message_id',
    'queued_at',
    'sent_at',
    'delivered_at',
    'failed_at',
    'seen_at',
    'read_at',
    'archived_at',
  ].map((c) => newly('notifications', c)),
].join(' OR ');

export const attemptUpdate = updateSet('delivery_attempts', {
  state: ranked,
  state_rank: ranked,
  retryable: ranked,
  finished_at: kept,
  reason: kept,
  provider_name: kept,
  provider_status: kept,
  provider_message_id: kept,
  provider_message: kept,
  started_at: least,
});
export const attemptChanged = [
  higher('delivery_attempts'),
  'excluded.started_at < delivery_attempts.started_at',
  newly('delivery_attempts', 'provider_message_id'),
].join(' OR ');

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
