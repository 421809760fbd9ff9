import type { Insertable } from 'kysely';
import type { NotificationState, StatusEvent } from '@herald/core';

/** Tables of migrations/0004: the auditor's projections of herald.status. */
export type AuditTables = {
  notifications: NotificationsTable;
  delivery_attempts: DeliveryAttemptsTable;
  events: EventsTable;
};

export interface NotificationsTable {
  notification_id: string;
  event_time: Date;
  tenant: string;
  event_id: string;
  event_type: string;
  rule_id: string;
  rule_version: number;
  channel: string;
  recipient_ref: string;
  state: string;
  state_rank: number;
  state_at: Date;
  reason: string | null;
  attempt: number;
  max_attempts: number | null;
  retryable: boolean | null;
  provider_name: string | null;
  provider_status: number | null;
  provider_message_id: string | null;
  provider_message: string | null;
  first_status_at: Date;
  last_status_at: Date;
  queued_at: Date | null;
  sent_at: Date | null;
  delivered_at: Date | null;
  failed_at: Date | null;
}

export interface DeliveryAttemptsTable {
  notification_id: string;
  attempt: number;
  event_time: Date;
  tenant: string;
  channel: string;
  recipient_ref: string;
  state: string;
  state_rank: number;
  reason: string | null;
  retryable: boolean | null;
  provider_name: string | null;
  provider_status: number | null;
  provider_message_id: string | null;
  provider_message: string | null;
  started_at: Date;
  finished_at: Date | null;
}

export interface EventsTable {
  event_id: string;
  tenant: string;
  event_time: Date;
  event_type: string;
  first_seen_at: Date;
  last_status_at: Date;
  notifications: number;
  pending: number;
  succeeded: number;
  failed: number;
  suppressed: number;
  outcome: string;
}

export type NotificationRow = Insertable<NotificationsTable> & {
  event_time: Date;
  state_rank: number;
  first_status_at: Date;
  last_status_at: Date;
};
export type AttemptRow = Insertable<DeliveryAttemptsTable> & {
  event_time: Date;
  state_rank: number;
  started_at: Date;
};

/**
 * Precedence of a state inside one attempt. Progress first, then outcomes; a receipt
 * (delivered, bounced) outranks what the worker saw (sent, failed).
 */
const stateOrder: Readonly<Record<NotificationState, number>> = {
  queued: 10,
  deferred: 20,
  sending: 30,
  retrying: 40,
  sent: 50,
  failed: 60,
  dead_lettered: 70,
  delivered: 80,
  bounced: 90,
  suppressed: 100,
  rejected: 100,
};
/** A retryable `failed`: more attempts follow, and `retrying` comes after it. */
const retryableFailed = 35;

/**
 * The rank the projections compare before replacing a row's state:
 * `attempt * 1000 + order(state)`. A higher rank wins; an equal or lower one only
 * merges timestamps. So a late `sent` never overwrites `delivered` (same attempt, 50 <
 * 80), a replay changes nothing (equal), and attempt 2's `sending` supersedes attempt
 * 1's `retrying`. A retryable `failed` ranks below `retrying`: more attempts follow.
 *
 * @example
 * stateRank('delivered', 1) > stateRank('sent', 1); // true
 */
export function stateRank(state: NotificationState, attempt: number, retryable?: boolean): number {
  const order = state === 'failed' && retryable === true ? retryableFailed : stateOrder[state];
  return Math.max(0, attempt) * 1000 + order;
}

/** States that belong to one delivery attempt (everything from `sending` on). */
const attemptStates: ReadonlySet<NotificationState> = new Set([
  'sending',
  'sent',
  'retrying',
  'failed',
  'dead_lettered',
  'delivered',
  'bounced',
]);

const at = (iso: string) => new Date(iso);
const earliest = (a: Date | null | undefined, b: Date | null | undefined) =>
  !a ? (b ?? null) : !b ? a : a <= b ? a : b;
const latest = (a: Date, b: Date) => (a >= b ? a : b);
/** The better-ranked side's value when it has one, else the other side's. */
const prefer = <T>(winner: T | null | undefined, loser: T | null | undefined): T | null =>
  winner ?? loser ?? null;

/** The `notifications` row one status event implies on its own. */
export function notificationRow(event: StatusEvent): NotificationRow {
  const d = event.data;
  const when = at(d.occurredAt);
  return {
    notification_id: d.notificationId,
    event_time: at(d.eventTime),
    tenant: d.tenant,
    event_id: d.eventId,
    event_type: d.eventType,
    rule_id: d.rule.id,
    rule_version: d.rule.version,
    channel: d.channel,
    recipient_ref: d.recipientRef,
    state: d.state,
    state_rank: stateRank(d.state, d.attempt, d.retryable),
    state_at: when,
    reason: d.reason ?? null,
    attempt: d.attempt,
    max_attempts: d.maxAttempts ?? null,
    retryable: d.retryable ?? null,
    provider_name: d.provider?.name ?? null,
    provider_status: d.provider?.statusCode ?? null,
    provider_message_id: d.provider?.messageId ?? null,
    provider_message: d.provider?.message ?? null,
    first_status_at: when,
    last_status_at: when,
    queued_at: d.state === 'queued' ? when : null,
    sent_at: d.state === 'sent' ? when : null,
    delivered_at: d.state === 'delivered' ? when : null,
    failed_at: ['failed', 'dead_lettered', 'bounced'].includes(d.state) ? when : null,
  };
}

/** The `delivery_attempts` row, for states that belong to an attempt. */
export function attemptRow(event: StatusEvent): AttemptRow | undefined {
  const d = event.data;
  if (!attemptStates.has(d.state)) return undefined;
  const when = at(d.occurredAt);
  const finished = d.state !== 'sending';
  return {
    notification_id: d.notificationId,
    attempt: d.attempt,
    event_time: at(d.eventTime),
    tenant: d.tenant,
    channel: d.channel,
    recipient_ref: d.recipientRef,
    state: d.state,
    state_rank: stateRank(d.state, d.attempt, d.retryable),
    reason: d.reason ?? null,
    retryable: d.retryable ?? null,
    provider_name: d.provider?.name ?? null,
    provider_status: d.provider?.statusCode ?? null,
    provider_message_id: d.provider?.messageId ?? null,
    provider_message: d.provider?.message ?? null,
    started_at: when,
    finished_at: finished ? when : null,
  };
}

/**
 * Merges two rows of one notification with the same rules as the upsert in SQL
 * (audit-store.ts), so a batch holding several statuses of a notification writes it
 * once (Postgres refuses to update one row twice in one statement).
 */
export function mergeNotificationRows(a: NotificationRow, b: NotificationRow): NotificationRow {
  const [win, lose] = b.state_rank > a.state_rank ? [b, a] : [a, b];
  return {
    ...win,
    reason: prefer(win.reason, lose.reason),
    provider_name: prefer(win.provider_name, lose.provider_name),
    provider_status: prefer(win.provider_status, lose.provider_status),
    provider_message_id: prefer(win.provider_message_id, lose.provider_message_id),
    provider_message: prefer(win.provider_message, lose.provider_message),
    first_status_at: earliest(a.first_status_at, b.first_status_at)!,
    last_status_at: latest(a.last_status_at, b.last_status_at),
    queued_at: earliest(a.queued_at, b.queued_at),
    sent_at: earliest(a.sent_at, b.sent_at),
    delivered_at: earliest(a.delivered_at, b.delivered_at),
    failed_at: earliest(a.failed_at, b.failed_at),
  };
}

export function mergeAttemptRows(a: AttemptRow, b: AttemptRow): AttemptRow {
  const [win, lose] = b.state_rank > a.state_rank ? [b, a] : [a, b];
  return {
    ...win,
    reason: prefer(win.reason, lose.reason),
    provider_name: prefer(win.provider_name, lose.provider_name),
    provider_status: prefer(win.provider_status, lose.provider_status),
    provider_message_id: prefer(win.provider_message_id, lose.provider_message_id),
    provider_message: prefer(win.provider_message, lose.provider_message),
    started_at: earliest(a.started_at, b.started_at)!,
    finished_at: win.finished_at ?? lose.finished_at ?? null,
  };
}
