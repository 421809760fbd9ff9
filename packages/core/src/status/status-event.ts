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
] as const;

export type NotificationState = (typeof notificationStates)[number];

/** What a provider answered, without anything secret. */
export interface ProviderResponse {
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
  readonly attempt: number;
  readonly maxAttempts?: number;
  readonly retryable?: boolean;
  readonly provider?: ProviderResponse;
  readonly occurredAt: string;
  readonly producedAt?: string;
}

export interface StatusEvent extends CloudEvent {
  readonly type: `herald.notification.${NotificationState}`;
  readonly subject: string;
  readonly data: StatusData;
}

export interface StatusDetails {
  readonly reason?: string;
  readonly retryable?: boolean;
  readonly maxAttempts?: number;
  readonly provider?: ProviderResponse;
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
  const occurredAt = now.toISOString();
  return {
    specversion: '1.0',
    id: deterministicId(job.notificationId, state, String(job.attempt)),
    source,
    type: `herald.notification.${state}`,
    subject: job.notificationId,
    time: occurredAt,
    datacontenttype: 'application/json',
    tenantid: job.tenant,
    data: {
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
      ...(job.producedAt === undefined ? {} : { producedAt: job.producedAt }),
      ...details,
    },
  };
}
