import {
  HeraldError,
  statusEventFromData,
  statusMessage,
  topicNames,
  type ChannelName,
  type Logger,
  type StatusEvent,
} from '@herald/core';
import type { MessagePublisher } from '@herald/kafka';
import type { AuditQueries, NotificationRecord } from '@herald/store';
import { traceSend, traceSpan } from '@herald/telemetry';

/** The states a provider receipt can report. */
export const receiptStates = ['delivered', 'bounced', 'failed'] as const;
export type ReceiptState = (typeof receiptStates)[number];

/** One provider-reported outcome, before it is matched to a notification. */
export interface Receipt {
  readonly provider: string;
  readonly state: ReceiptState;
  /** Carried in provider metadata (SES tag or header, Twilio callback URL, webhook body). */
  readonly notificationId?: string;
  /** Looked up in the audit tables when the notification id is not carried. */
  readonly providerMessageId?: string;
  readonly reason?: string;
  readonly statusCode?: number;
  readonly message?: string;
  readonly occurredAt: string;
}

export const SOURCE = 'herald/api';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Turns receipts into status events for the right notifications and publishes them
 * to herald.status (acks from all in-sync replicas) before the HTTP answer, so a
 * provider that gets a 2xx knows the receipt is durable. The status id is
 * deterministic (notification, state, attempt): a receipt the provider sends twice
 * is one fact.
 */
export class ReceiptRecorder {
  readonly #audit: AuditQueries;
  readonly #publisher: MessagePublisher;
  readonly #topic: string;
  readonly #log: Logger;

  constructor(audit: AuditQueries, publisher: MessagePublisher, topicPrefix: string, log: Logger) {
    this.#audit = audit;
    this.#publisher = publisher;
    this.#topic = topicNames(topicPrefix).status;
    this.#log = log;
  }

  /**
   * Publishes one status event per receipt; throws HERALD_ERR_RECEIPT_UNMATCHED
   * (retriable) if any is unknown. Each receipt is a span `receipt <provider>` with a
   * PRODUCER span `send herald.status` inside it, whose `traceparent` goes into the
   * record's headers and the status event's `traceparent` extension, so the auditor's
   * span links to it. Every endpoint passes at most one receipt per request, except
   * SendGrid's batches: a batch refused half-way is retried whole, and the
   * deterministic status ids make the replayed half one fact.
   */
  async record(receipts: readonly Receipt[]): Promise<StatusEvent[]> {
    const events: StatusEvent[] = [];
    for (const receipt of receipts) {
      events.push(
        await traceSpan(
          `receipt ${receipt.provider}`,
          {
            kind: 'internal',
            attributes: {
              'herald.receipt.provider': receipt.provider,
              'herald.receipt.state': receipt.state,
            },
          },
          (span) =>
            this.#recordOne(receipt, (id) => span.setAttribute('herald.notification.id', id)),
        ),
      );
    }
    for (const event of events) {
      this.#log.info(
        { notificationId: event.subject, tenantId: event.data.tenant, state: event.data.state },
        'receipt recorded',
      );
    }
    return events;
  }

  async #recordOne(receipt: Receipt, found: (id: string) => void): Promise<StatusEvent> {
    const notification = await this.#find(receipt);
    if (!notification) {
      throw new HeraldError('HERALD_ERR_RECEIPT_UNMATCHED', [
        receipt.provider,
        receipt.notificationId
          ? `notification ${receipt.notificationId}`
          : `provider message id ${receipt.providerMessageId ?? '(none)'}`,
      ]);
    }
    found(notification.notification_id);
    return traceSend(
      { topic: this.#topic, key: notification.notification_id, messageCount: 1 },
      async (headers) => {
        const event = statusFor(receipt, notification, headers.traceparent);
        await this.#publisher.send([{ topic: this.#topic, ...statusMessage(event, headers) }]);
        return event;
      },
    );
  }

  async #find(receipt: Receipt): Promise<NotificationRecord | undefined> {
    if (receipt.notificationId && uuid.test(receipt.notificationId)) {
      const found = await this.#audit.notification(receipt.notificationId.toLowerCase());
      if (found) return found.notification;
    }
    if (receipt.providerMessageId)
      return this.#audit.byProviderMessageId(receipt.providerMessageId);
    return undefined;
  }
}

/** The status event a matched receipt becomes (exported for its unit test). */
export function statusFor(
  receipt: Receipt,
  n: NotificationRecord,
  traceparent?: string,
): StatusEvent {
  const messageId = receipt.providerMessageId ?? n.provider_message_id ?? undefined;
  return statusEventFromData(
    {
      notificationId: n.notification_id,
      state: receipt.state,
      // Provider text can be as long as the request body; the status must fit a record.
      ...(receipt.reason ? { reason: receipt.reason.slice(0, 1_000) } : {}),
      tenant: n.tenant,
      eventId: n.event_id,
      eventType: n.event_type,
      eventTime: n.event_time.toISOString(),
      rule: { id: n.rule_id, version: n.rule_version },
      channel: n.channel as ChannelName,
      recipientRef: n.recipient_ref,
      attempt: n.attempt,
      ...(n.max_attempts === null ? {} : { maxAttempts: n.max_attempts }),
      ...(receipt.state === 'delivered' ? {} : { retryable: false }),
      provider: {
        name: receipt.provider,
        ...(receipt.statusCode === undefined ? {} : { statusCode: receipt.statusCode }),
        ...(messageId ? { messageId } : {}),
        ...(receipt.message ? { message: receipt.message.slice(0, 500) } : {}),
      },
      occurredAt: new Date(receipt.occurredAt).toISOString(),
    },
    SOURCE,
    traceparent,
  );
}
