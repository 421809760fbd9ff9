import {
  attemptStartOf,
  hasCanonicalTimeShape,
  type NotificationState,
  type StatusEvent,
} from '@herald/core';

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
  /** In-app engagement (migrations/0010): first time each was reported. */
  seen_at: Date | null;
  read_at: Date | null;
  archived_at: Date | null;
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
  /** Of `succeeded`, those with a receipt of arrival (or seen / read / archived in-app). */
  delivered: number;
  failed: number;
  suppressed: number;
  outcome: string;
}

/**
 * A `notifications` row as the auditor builds it. Times are canonical ISO strings
 * (`toISOString()` form, see `canonicalTime`): they go to Postgres as they are and
 * compare in order as strings, so no `Date` is made or formatted per row.
 */
export type NotificationRow = Omit<
  NotificationsTable,
  | 'event_time'
  | 'state_at'
  | 'first_status_at'
  | 'last_status_at'
  | 'queued_at'
  | 'sent_at'
  | 'delivered_at'
  | 'failed_at'
  | 'seen_at'
  | 'read_at'
  | 'archived_at'
> & {
  event_time: string;
  state_at: string;
  first_status_at: string;
  last_status_at: string;
  queued_at: string | null;
  sent_at: string | null;
  delivered_at: string | null;
  failed_at: string | null;
  seen_at: string | null;
  read_at: string | null;
  archived_at: string | null;
};
/** A `delivery_attempts` row as the auditor builds it (times as in `NotificationRow`). */
export type AttemptRow = Omit<
  DeliveryAttemptsTable,
  'event_time' | 'started_at' | 'finished_at'
> & {
  event_time: string;
  started_at: string;
  finished_at: string | null;
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
  // In-app engagement (gateway): implies delivered, so it ranks above it.
  seen: 82,
  read: 84,
  archived: 86,
  bounced: 90,
  suppressed: 100,
  rejected: 100,
  // Final for this notification (issue 16): a digest is its own notification, a cancel ends it.
  digested: 100,
  cancelled: 100,
};
/** A retryable `failed`: more attempts follow, and `retrying` comes after it. */
const retryableFailed = 35;

/**
 * States that say a receiver took the notification (or that it ended on purpose without
 * a send): once one of them is recorded, no attempt's progress or retryable failure may
 * replace it. A permanent `failed` and `dead_lettered` are outcomes too and share the
 * tier: a receipt's `failed` after the same attempt's `sent` (SendGrid dropped, Vonage
 * failed) must still win, as it did before the tier. A copy of the job with a later attempt number (an attempt the worker thought
 * failed while the receiver had accepted it) can still be deferred, retried or fail;
 * before this tier its `retrying` (attempt 2) outranked attempt 1's `sent` and the
 * audit ended short of the receivers (issue 18).
 */
const settledStates: ReadonlySet<NotificationState> = new Set([
  'sent',
  'delivered',
  'seen',
  'read',
  'archived',
  'bounced',
  'suppressed',
  'rejected',
  'digested',
  'cancelled',
]);
/** Above any attempt's unsettled rank (attempts stay far below 1,000). */
const settledTier = 1_000_000;

/**
 * The rank the projections compare before replacing a row's state:
 * `attempt * 1000 + order(state)`, plus 1,000,000 for a settled state (a receiver
 * accepted it, or it ended without a send). A higher rank wins; an equal or lower one
 * only merges timestamps. So a late `sent` never overwrites `delivered` (same attempt,
 * 50 < 80), a replay changes nothing (equal), attempt 2's `sending` or (without it) its
 * outcome supersedes attempt 1's `retrying`, and attempt 2's `sending`, `retrying`,
 * `deferred` or retryable `failed` never replaces attempt 1's `sent` (monotone on
 * success), while a receipt's `failed`
 * (same attempt) still replaces its `sent`. A retryable `failed` ranks below
 * `retrying`: more attempts follow.
 *
 * @example
 * stateRank('delivered', 1) > stateRank('sent', 1); // true
 * stateRank('sent', 1) > stateRank('retrying', 2); // true
 */
export function stateRank(state: NotificationState, attempt: number, retryable?: boolean): number {
  const order = state === 'failed' && retryable === true ? retryableFailed : stateOrder[state];
  const outcome =
    settledStates.has(state) ||
    state === 'dead_lettered' ||
    (state === 'failed' && retryable !== true);
  const tier = outcome ? settledTier : 0;
  return tier + Math.max(0, attempt) * 1000 + order;
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

/**
 * A status time as a canonical ISO string. Herald publishes `toISOString()` output,
 * which passes as it is (the hot path: no `Date`); any other form the decoder accepted
 * (an offset, no milliseconds) is normalised through `Date`, so one instant always has
 * one spelling. Canonical strings of equal length compare in time order.
 *
 * @example
 * canonicalTime('2026-11-21T01:00:00+01:00'); // '2026-11-21T00:00:00.000Z'
 */
export function canonicalTime(time: string): string {
  // `toISOString()` output for years 0000–9999 (what Herald's publishers write), checked
  // by a character loop: this runs several times per status.
  return hasCanonicalTimeShape(time) ? time : new Date(time).toISOString();
}

/** a before b; extended years (not 24 characters) fall back to parsing. */
const before = (a: string, b: string) =>
  a.length === 24 && b.length === 24 ? a < b : Date.parse(a) < Date.parse(b);
const earliest = (a: string | null | undefined, b: string | null | undefined) =>
  !a ? (b ?? null) : !b ? a : before(b, a) ? b : a;
const latest = (a: string, b: string) => (before(a, b) ? b : a);
/** The better-ranked side's value when it has one, else the other side's. */
const prefer = <T>(winner: T | null | undefined, loser: T | null | undefined): T | null =>
  winner ?? loser ?? null;

/** The `notifications` row one status event implies on its own. */
export function notificationRow(event: StatusEvent): NotificationRow {
  const d = event.data;
  const when = canonicalTime(d.occurredAt);
  return {
    // Lower case, as Postgres prints a uuid: one key per notification however a
    // publisher spelled it (two spellings in one upsert would touch a row twice).
    notification_id: d.notificationId.toLowerCase(),
    event_time: canonicalTime(d.eventTime),
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
    failed_at:
      d.state === 'failed' || d.state === 'dead_lettered' || d.state === 'bounced' ? when : null,
    seen_at: d.state === 'seen' ? when : null,
    read_at: d.state === 'read' ? when : null,
    archived_at: d.state === 'archived' ? when : null,
  };
}

/**
 * The `delivery_attempts` row, for states that belong to an attempt. It starts when the
 * attempt began: a legacy `sending` record's time, or the outcome's `attemptStartedAt`
 * (workers publish no `sending` by default); else (a receipt, an outcome of an older
 * worker) the status's own time, and the merge keeps the earliest start.
 */
export function attemptRow(event: StatusEvent): AttemptRow | undefined {
  const d = event.data;
  if (!attemptStates.has(d.state)) return undefined;
  const when = canonicalTime(d.occurredAt);
  const start = attemptStartOf(d);
  const finished = d.state !== 'sending';
  return {
    // Lower case, as Postgres prints a uuid: one key per notification however a
    // publisher spelled it (two spellings in one upsert would touch a row twice).
    notification_id: d.notificationId.toLowerCase(),
    attempt: d.attempt,
    event_time: canonicalTime(d.eventTime),
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
    started_at: start === undefined ? when : canonicalTime(start),
    finished_at: finished ? when : null,
  };
}

/** What both row kinds merge alike: the higher state wins, its details filled from the other. */
type RankedDetails = Pick<
  AttemptRow,
  | 'state_rank'
  | 'reason'
  | 'provider_name'
  | 'provider_status'
  | 'provider_message_id'
  | 'provider_message'
>;

/** The higher-ranked of two rows, with the details it lacks taken from the other one. */
function mergeRanked<R extends RankedDetails>(a: R, b: R): { merged: R; win: R; lose: R } {
  const [win, lose] = b.state_rank > a.state_rank ? [b, a] : [a, b];
  const merged: R = {
    ...win,
    reason: prefer(win.reason, lose.reason),
    provider_name: prefer(win.provider_name, lose.provider_name),
    provider_status: prefer(win.provider_status, lose.provider_status),
    provider_message_id: prefer(win.provider_message_id, lose.provider_message_id),
    provider_message: prefer(win.provider_message, lose.provider_message),
  };
  return { merged, win, lose };
}

/**
 * Merges two rows of one notification with the same rules as the upsert in SQL
 * (herald_audit_write, migrations/0016), so a batch holding several statuses of a notification writes it
 * once (Postgres refuses to update one row twice in one statement).
 */
export function mergeNotificationRows(a: NotificationRow, b: NotificationRow): NotificationRow {
  return {
    ...mergeRanked(a, b).merged,
    first_status_at: earliest(a.first_status_at, b.first_status_at)!,
    last_status_at: latest(a.last_status_at, b.last_status_at),
    queued_at: earliest(a.queued_at, b.queued_at),
    sent_at: earliest(a.sent_at, b.sent_at),
    delivered_at: earliest(a.delivered_at, b.delivered_at),
    failed_at: earliest(a.failed_at, b.failed_at),
    seen_at: earliest(a.seen_at, b.seen_at),
    read_at: earliest(a.read_at, b.read_at),
    archived_at: earliest(a.archived_at, b.archived_at),
  };
}

export function mergeAttemptRows(a: AttemptRow, b: AttemptRow): AttemptRow {
  const { merged, win, lose } = mergeRanked(a, b);
  return {
    ...merged,
    started_at: earliest(a.started_at, b.started_at)!,
    finished_at: win.finished_at ?? lose.finished_at ?? null,
  };
}
