import { createHmac, timingSafeEqual } from 'node:crypto';
import { HeraldError } from '@herald/core';
import type { Receipt } from './receipt.js';

/** How far a Mailgun signature's timestamp may be from now: older ones are replays. */
export const MAILGUN_TOLERANCE_SECONDS = 5 * 60;

/** A Mailgun webhook body (https://documentation.mailgun.com/docs/mailgun/user-manual/tracking-messages/#securing-webhooks). */
interface MailgunWebhook {
  signature?: { timestamp?: unknown; token?: unknown; signature?: unknown };
  'event-data'?: {
    event?: unknown;
    severity?: unknown;
    reason?: unknown;
    timestamp?: unknown;
    'user-variables'?: Record<string, unknown>;
    message?: { headers?: Record<string, unknown> };
    'delivery-status'?: { code?: unknown; message?: unknown; description?: unknown };
  };
}

/** Mailgun's signature: hex HMAC-SHA256, keyed with the webhook signing key, of timestamp + token. */
export function mailgunSignature(signingKey: string, timestamp: string, token: string): string {
  return createHmac('sha256', signingKey)
    .update(timestamp + token, 'utf8')
    .digest('hex');
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;

/**
 * Verifies a Mailgun webhook (signature, and a timestamp within five minutes of `now`)
 * and maps its event: delivered → delivered; failed/permanent → bounced when the
 * address refused it (reason bounce or suppress-bounce), else failed; temporary
 * failures (Mailgun retries them), complaints, opens and clicks give undefined. The
 * notification id is the `herald_notification_id` user variable the Mailgun provider
 * sets, else the Message-Id is looked up.
 */
export function mailgunReceipt(
  signingKey: string,
  body: string,
  now = new Date(),
): Receipt | undefined {
  let webhook: MailgunWebhook;
  try {
    webhook = JSON.parse(body) as MailgunWebhook;
  } catch {
    throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', ['mailgun', 'body is not JSON']);
  }
  if (typeof webhook !== 'object' || webhook === null) {
    throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', ['mailgun', 'body is not an object']);
  }
  const timestamp = text(webhook.signature?.timestamp);
  const token = text(webhook.signature?.token);
  const signature = text(webhook.signature?.signature);
  if (!timestamp || !token || !signature) {
    throw new HeraldError('HERALD_ERR_RECEIPT_SIGNATURE', [
      'mailgun',
      'signature.timestamp, signature.token and signature.signature are required',
    ]);
  }
  const expected = Buffer.from(mailgunSignature(signingKey, timestamp, token));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new HeraldError('HERALD_ERR_RECEIPT_SIGNATURE', [
      'mailgun',
      'signature does not match (is HERALD_API_MAILGUN_SIGNING_KEY the webhook signing key?)',
    ]);
  }
  const age = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (!(age <= MAILGUN_TOLERANCE_SECONDS)) {
    throw new HeraldError('HERALD_ERR_RECEIPT_SIGNATURE', [
      'mailgun',
      `signature timestamp ${timestamp} is more than ${MAILGUN_TOLERANCE_SECONDS}s from now`,
    ]);
  }
  const data = webhook['event-data'];
  const event = text(data?.event);
  if (!data || !event) {
    throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', ['mailgun', 'event-data.event is missing']);
  }
  const notificationId = text(data['user-variables']?.herald_notification_id);
  // Stored without angle brackets, as the Mailgun provider records its send id.
  const messageId = text(data.message?.headers?.['message-id'])?.replace(/^<|>$/g, '');
  if (!notificationId && !messageId) {
    throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', [
      'mailgun',
      'expected user-variables.herald_notification_id or message.headers.message-id',
    ]);
  }
  const seconds = typeof data.timestamp === 'number' ? data.timestamp : Number.NaN;
  const base = {
    provider: 'mailgun',
    occurredAt: (Number.isFinite(seconds) ? new Date(seconds * 1000) : now).toISOString(),
    ...(notificationId ? { notificationId } : {}),
    ...(messageId ? { providerMessageId: messageId } : {}),
  };
  if (event === 'delivered') return { ...base, state: 'delivered' };
  if (event !== 'failed' || data.severity !== 'permanent') return undefined;
  const status = data['delivery-status'];
  const code = typeof status?.code === 'number' ? status.code : undefined;
  const reason = text(data.reason) ?? 'generic';
  const detail = text(status?.description) ?? text(status?.message);
  return {
    ...base,
    state: reason === 'bounce' || reason === 'suppress-bounce' ? 'bounced' : 'failed',
    reason: `permanent failure: ${reason}${code === undefined ? '' : ` (${code})`}`,
    ...(code === undefined ? {} : { statusCode: code }),
    ...(detail ? { message: detail } : {}),
  };
}
