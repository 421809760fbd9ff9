import { HeraldError } from '@herald/core';
import type { Receipt } from './receipt.js';

/** Where the notification id travels in an SES message (the SES provider sets the header). */
export const SES_NOTIFICATION_TAG = 'herald-notification-id';
export const SES_NOTIFICATION_HEADER = 'x-herald-notification-id';

interface SesEvent {
  eventType?: string;
  notificationType?: string;
  mail?: {
    timestamp?: string;
    messageId?: string;
    tags?: Record<string, string[]>;
    headers?: { name: string; value: string }[];
  };
  delivery?: { timestamp?: string; smtpResponse?: string };
  bounce?: {
    timestamp?: string;
    bounceType?: string;
    bounceSubType?: string;
    bouncedRecipients?: { status?: string; diagnosticCode?: string }[];
  };
  reject?: { reason?: string };
  failure?: { errorMessage?: string; templateName?: string };
}

/**
 * Maps an SES event (event publishing `eventType`, or identity notifications'
 * `notificationType`) to a receipt: Delivery → delivered, Bounce → bounced, Reject and
 * Rendering Failure → failed. Other types (Send, Open, Click, Complaint,
 * DeliveryDelay, Subscription) change no state and give undefined.
 */
export function sesReceipt(messageText: string): Receipt | undefined {
  let event: SesEvent;
  try {
    event = JSON.parse(messageText) as SesEvent;
  } catch {
    throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', ['ses', 'the SNS Message is not JSON']);
  }
  const type = event.eventType ?? event.notificationType;
  const mail = event.mail;
  if (!type || !mail?.messageId) {
    throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', [
      'ses',
      'expected an SES event with eventType (or notificationType) and mail.messageId',
    ]);
  }
  const notificationId =
    mail.tags?.[SES_NOTIFICATION_TAG]?.[0] ??
    mail.headers?.find((h) => h.name.toLowerCase() === SES_NOTIFICATION_HEADER)?.value;
  const base = {
    provider: 'ses',
    providerMessageId: mail.messageId,
    ...(notificationId ? { notificationId } : {}),
  };
  const at = (t?: string) => t ?? mail.timestamp ?? new Date().toISOString();
  switch (type) {
    case 'Delivery':
      return {
        ...base,
        state: 'delivered',
        occurredAt: at(event.delivery?.timestamp),
        ...(event.delivery?.smtpResponse ? { message: event.delivery.smtpResponse } : {}),
      };
    case 'Bounce': {
      const b = event.bounce ?? {};
      const first = b.bouncedRecipients?.[0];
      return {
        ...base,
        state: 'bounced',
        occurredAt: at(b.timestamp),
        reason: `${b.bounceType ?? 'Unknown'} bounce (${b.bounceSubType ?? 'General'})${first?.status ? `: ${first.status}` : ''}`,
        ...(first?.diagnosticCode ? { message: first.diagnosticCode } : {}),
      };
    }
    case 'Reject':
      return {
        ...base,
        state: 'failed',
        occurredAt: at(),
        reason: `rejected by SES: ${event.reject?.reason ?? 'unknown'}`,
      };
    case 'Rendering Failure':
      return {
        ...base,
        state: 'failed',
        occurredAt: at(),
        reason: `SES rendering failure: ${event.failure?.errorMessage ?? 'unknown'}`,
      };
    default:
      return undefined;
  }
}
