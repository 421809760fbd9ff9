import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { HeraldError } from '@herald/core';
import type { Receipt } from './receipt.js';

/** How far the signed timestamp may be from now: older requests are replays. */
export const SENDGRID_TOLERANCE_SECONDS = 5 * 60;

/** The verification key SendGrid shows for a signed Event Webhook: base64 DER (SPKI), P-256. */
export function sendgridPublicKey(base64: string): KeyObject {
  const key = createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('expected an ECDSA P-256 public key');
  }
  return key;
}

/**
 * Verifies SendGrid's signed Event Webhook: the base64 DER ECDSA signature in
 * X-Twilio-Email-Event-Webhook-Signature over timestamp + raw body (SHA-256), with the
 * timestamp header within five minutes of `now`.
 */
export function verifySendgridSignature(
  key: KeyObject,
  body: Buffer,
  signature: string | undefined,
  timestamp: string | undefined,
  now = new Date(),
): void {
  if (!signature || !timestamp) {
    throw new HeraldError('HERALD_ERR_RECEIPT_SIGNATURE', [
      'sendgrid',
      'X-Twilio-Email-Event-Webhook-Signature and -Timestamp headers are required',
    ]);
  }
  let ok = false;
  try {
    ok = verify(
      'sha256',
      Buffer.concat([Buffer.from(timestamp, 'utf8'), body]),
      { key, dsaEncoding: 'der' },
      Buffer.from(signature, 'base64'),
    );
  } catch {
    ok = false; // a signature that is not DER is simply not valid
  }
  if (!ok) {
    throw new HeraldError('HERALD_ERR_RECEIPT_SIGNATURE', [
      'sendgrid',
      'signature does not match (is HERALD_API_SENDGRID_PUBLIC_KEY the verification key?)',
    ]);
  }
  if (!(Math.abs(now.getTime() / 1000 - Number(timestamp)) <= SENDGRID_TOLERANCE_SECONDS)) {
    throw new HeraldError('HERALD_ERR_RECEIPT_SIGNATURE', [
      'sendgrid',
      `signature timestamp ${timestamp} is more than ${SENDGRID_TOLERANCE_SECONDS}s from now`,
    ]);
  }
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined;

/**
 * Maps a SendGrid event batch: delivered → delivered; bounce → bounced (type bounce)
 * or failed (type blocked); dropped → failed. Deferred (SendGrid retries), processed,
 * opens, clicks, spam reports give nothing. Only events carrying the
 * `herald_notification_id` custom arg (set by the SendGrid provider) count: other mail
 * on the same account must not make the batch unmatched and retried forever.
 */
export function sendgridReceipts(body: string, now = new Date()): Receipt[] {
  let events: unknown;
  try {
    events = JSON.parse(body);
  } catch {
    throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', ['sendgrid', 'body is not JSON']);
  }
  if (!Array.isArray(events)) {
    throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', [
      'sendgrid',
      'expected an array of events',
    ]);
  }
  const receipts: Receipt[] = [];
  for (const e of events as Record<string, unknown>[]) {
    const notificationId = text(e?.herald_notification_id);
    const event = text(e?.event);
    if (!notificationId || !event) continue;
    // sg_message_id is the X-Message-Id the send answered, plus a filter suffix.
    const messageId = text(e.sg_message_id)?.split('.')[0];
    const seconds = typeof e.timestamp === 'number' ? e.timestamp : Number.NaN;
    const base = {
      provider: 'sendgrid',
      notificationId,
      occurredAt: (Number.isFinite(seconds) ? new Date(seconds * 1000) : now).toISOString(),
      ...(messageId ? { providerMessageId: messageId } : {}),
    };
    const reason = text(e.reason) ?? text(e.response);
    const status = text(e.status);
    const detail = {
      ...(reason ? { message: reason } : {}),
      ...(status && /^\d{3}$/.test(status.slice(0, 3))
        ? { statusCode: Number(status.slice(0, 3)) }
        : {}),
    };
    if (event === 'delivered') receipts.push({ ...base, state: 'delivered' });
    else if (event === 'bounce') {
      const type = text(e.type) ?? 'bounce';
      receipts.push({
        ...base,
        state: type === 'blocked' ? 'failed' : 'bounced',
        reason: `${type}${status ? ` (${status})` : ''}`,
        ...detail,
      });
    } else if (event === 'dropped') {
      receipts.push({ ...base, state: 'failed', reason: `dropped: ${reason ?? 'unknown'}` });
    }
  }
  return receipts;
}
