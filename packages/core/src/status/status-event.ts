import type { ChannelName } from '../channels.js';
import type { CloudEvent } from '../cloudevents/cloud-event.js';
import type { DeliveryJob } from '../delivery/delivery-job.js';
import { deterministicId } from '../ids.js';

/** Every state a notification can be in; one status event per change. */
export const notificationStates = [
  'queued',
  'suppressed',
  'deferred',
  'sending',
  'sent',
  'delivered',
  'retrying',
  'failed',
  'dead_lettered',
  'rejected',
  /** A provider receipt said the address does not accept mail/messages (SES bounce, complaint). */
  'bounced',
  // In-app (issue 14): what a subscriber's client did with a stored message (gateway).
  /** A client of the subscriber displayed the message in its feed or bell. */
  'seen',
  /** The subscriber opened or marked the message read. */
  'read',
  /** The subscriber archived the message. */
  'archived',
  /** Collected into a digest (issue 16): `reason` names the digest notification it went into. */
  'digested',
  /** Cancelled before it was sent (issue 16): `reason` names the cancelling event. */
  'cancelled',
] as const;

export type NotificationState = (typeof notificationStates)[number];

/**
 * Each state's CloudEvent `type`, written out once. A template literal per status made
 * every `type` a rope (a V8 cons string), and one rope anywhere in a status sends its
 * `JSON.stringify` down V8's slow path, about twice the CPU of the fast one
 * (docs/benchmarks.md, "Round 6 (issue 19): app CPU per delivery"). Literals are flat.
 */
const statusTypes: { readonly [S in NotificationState]: `herald.notification.${S}` } = {
  queued: 'herald.notification.queued',
  suppressed: 'herald.notification.suppressed',
  deferred: 'herald.notification.deferred',
  sending: 'herald.notification.sending',
  sent: 'herald.notification.sent',
  delivered: 'herald.notification.delivered',
  retrying: 'herald.notification.retrying',
  failed: 'herald.notification.failed',
  dead_lettered: 'herald.notification.dead_lettered',
  rejected: 'herald.notification.rejected',
  bounced: 'herald.notification.bounced',
  seen: 'herald.notification.seen',
  read: 'herald.notification.read',
  archived: 'herald.notification.archived',
  digested: 'herald.notification.digested',
  cancelled: 'herald.notification.cancelled',
};

/**
 * The CloudEvent `type` of a status in `state` (`herald.notification.<state>`), as a flat
 * string from the table above.
 *
 * @example
 * statusTypeOf('sent'); // 'herald.notification.sent'
 */
export function statusTypeOf<S extends NotificationState>(state: S): `herald.notification.${S}` {
  // Own keys only: a state that is not in the table (an unchecked caller) still gets its type.
  return Object.hasOwn(statusTypes, state)
    ? statusTypes[state]
    : (`herald.notification.${state}` as const);
}

/** What a provider answered, without anything secret. */
export interface ProviderResponse {
  /** Which provider answered, e.g. `ses`, `twilio` (receipts set it). */
  readonly name?: string;
  readonly statusCode?: number;
  readonly messageId?: string;
  readonly message?: string;
}

/** The `data` of a status CloudEvent. */
export interface StatusData {
  readonly notificationId: string;
  readonly state: NotificationState;
  readonly reason?: string;
  readonly tenant: string;
  readonly eventId: string;
  readonly eventType: string;
  /** Time of the causing event; the audit tables partition on it. */
  readonly eventTime: string;
  readonly rule: { readonly id: string; readonly version: number };
  readonly channel: ChannelName;
  readonly recipientRef: string;
  /** The raw address; only present when the publisher is configured to include it. */
  readonly recipientAddress?: string;
  readonly attempt: number;
  readonly maxAttempts?: number;
  readonly retryable?: boolean;
  readonly provider?: ProviderResponse;
  /**
   * When the attempt this status ends began (ISO 8601), on the worker's outcomes of a
   * send (`sent`, `retrying`, `dead_lettered`): it replaces the separate `sending`
   * record, which a worker publishes only with HERALD_WORKER_SENDING_STATUS=true.
   */
  readonly attemptStartedAt?: string;
  /** The earliest time of the next attempt: deferred (quiet hours, rate limit, open circuit) or retrying. */
  readonly notBefore?: string;
  readonly occurredAt: string;
  readonly producedAt?: string;
  /** Channel fallback (docs/rules.md): the notification this one stands in for. */
  readonly fallbackOf?: string;
  /** Channel fallback: the notification that was planned to stand in for this one. */
  readonly fallbackTo?: string;
  /** Suppressed with reason `silenced`: the matching silence. */
  readonly silenceId?: string;
  /** Suppressed with reason `inhibited`: the id of the event that inhibits this one. */
  readonly inhibitedBy?: string;
  /** `digested`: the notification id of the digest the job went into (issue 16). */
  readonly digestId?: string;
  /** `cancelled`: the id of the event (or `herald cancel` call) that cancelled it (issue 16). */
  readonly cancelEventId?: string;
}

export interface StatusEvent extends CloudEvent {
  readonly type: `herald.notification.${NotificationState}`;
  readonly subject: string;
  readonly data: StatusData;
  /** W3C trace context (CloudEvents distributed-tracing extension), when known. */
  readonly traceparent?: string;
}

export interface StatusDetails {
  readonly reason?: string;
  readonly retryable?: boolean;
  readonly maxAttempts?: number;
  readonly provider?: ProviderResponse;
  /** When the attempt this outcome ends began (`StatusData.attemptStartedAt`). */
  readonly attemptStartedAt?: string;
  readonly notBefore?: string;
  readonly fallbackOf?: string;
  readonly fallbackTo?: string;
  readonly digestId?: string;
  readonly cancelEventId?: string;
  /** W3C `traceparent` of the causing record; set on the CloudEvent, not in `data`. */
  readonly traceparent?: string;
}

/**
 * When the delivery attempt a status belongs to began: a legacy `sending` record's own
 * time, an outcome's `attemptStartedAt`; undefined for every other status (and for
 * outcomes of publishers that still send `sending` beside them without the field).
 * One rule for every reader (the audit projection, the chaos suite's ledgers), so
 * both shapes of the stream read alike.
 *
 * @example
 * attemptStartOf(sent.data); // '2026-11-21T08:00:01.020Z'
 */
export function attemptStartOf(
  data: Pick<StatusData, 'state' | 'occurredAt' | 'attemptStartedAt'>,
): string | undefined {
  return data.state === 'sending' ? data.occurredAt : data.attemptStartedAt;
}

/**
 * Wraps status `data` in its CloudEvent, with the deterministic id
 * (notification, state, attempt). For publishers that have no DeliveryJob at hand,
 * e.g. provider receipts in apps/api.
 *
 * @example
 * const event = statusEventFromData({ ...data, state: 'delivered', occurredAt }, 'herald/api');
 */
export function statusEventFromData(
  data: StatusData,
  source: string,
  traceparent?: string,
): StatusEvent {
  return {
    specversion: '1.0',
    id: deterministicId(data.notificationId, data.state, String(data.attempt)),
    source,
    type: statusTypeOf(data.state),
    subject: data.notificationId,
    time: data.occurredAt,
    datacontenttype: 'application/json',
    tenantid: data.tenant,
    ...(traceparent === undefined ? {} : { traceparent }),
    data,
  };
}

/**
 * Builds the status CloudEvent for a job entering `state`. The id is deterministic
 * (notification, state, attempt), so a re-published status is a duplicate the
 * auditor absorbs, not a second fact.
 */
export function statusEventFor(
  job: DeliveryJob,
  state: NotificationState,
  source: string,
  now: Date,
  details: StatusDetails = {},
): StatusEvent {
  // Built by assignment, not object spreads: publishers build one or two per job, and
  // spreading `details` into `data` (not the first member of its literal) took V8's
  // slow path (docs/benchmarks.md, "Round 3: per-record costs"). Same keys, same order.
  const occurredAt = now.toISOString();
  const data: { -readonly [K in keyof StatusData]: StatusData[K] } = {
    notificationId: job.notificationId,
    state,
    tenant: job.tenant,
    eventId: job.event.id,
    eventType: job.event.type,
    eventTime: job.event.time ?? job.plannedAt,
    rule: job.rule,
    channel: job.channel,
    recipientRef: job.recipient.ref,
    attempt: job.attempt,
    occurredAt,
  };
  if (job.producedAt !== undefined) data.producedAt = job.producedAt;
  for (const key of Object.keys(details))
    if (key !== 'traceparent')
      (data as Record<string, unknown>)[key] = details[key as keyof StatusDetails];
  const id = deterministicId(job.notificationId, state, String(job.attempt));
  const type: StatusEvent['type'] = statusTypeOf(state);
  // Keys assigned in the schema's order (traceparent, when there is one, before data).
  const event: Record<string, unknown> = {
    specversion: '1.0',
    id,
    source,
    type,
    subject: job.notificationId,
    time: occurredAt,
    datacontenttype: 'application/json',
    tenantid: job.tenant,
  } satisfies Omit<StatusEvent, 'data' | 'traceparent'>;
  if (details.traceparent !== undefined) event.traceparent = details.traceparent;
  event.data = data;
  return event as unknown as StatusEvent;
}
