import { createHmac, timingSafeEqual } from 'node:crypto';
import { HeraldError } from '@herald/core';
import type { Receipt } from './receipt.js';

/**
 * Twilio's request signature: base64 HMAC-SHA1, keyed with the auth token, of the
 * full URL Twilio called followed by every POST parameter as name + value, sorted by
 * name (https://www.twilio.com/docs/usage/security#validating-requests).
 */
export function twilioSignature(authToken: string, url: string, params: URLSearchParams): string {
  const names = [...new Set(params.keys())].sort();
  let data = url;
  for (const name of names) for (const value of params.getAll(name).sort()) data += name + value;
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** Twilio signs the URL as it was called, with or without the default port. */
function urlVariants(url: string): string[] {
  const u = new URL(url);
  if (u.port !== '') return [url];
  const port = u.protocol === 'https:' ? 443 : 80;
  return [url, `${u.protocol}//${u.hostname}:${port}${u.pathname}${u.search}`];
}

export function verifyTwilioSignature(
  authToken: string,
  url: string,
  params: URLSearchParams,
  header: string | undefined,
): void {
  if (!header) {
    throw new HeraldError('HERALD_ERR_RECEIPT_SIGNATURE', [
      'twilio',
      'X-Twilio-Signature header is missing',
    ]);
  }
  const given = Buffer.from(header);
  const ok = urlVariants(url).some((candidate) => {
    const expected = Buffer.from(twilioSignature(authToken, candidate, params));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!ok) {
    throw new HeraldError('HERALD_ERR_RECEIPT_SIGNATURE', [
      'twilio',
      `X-Twilio-Signature does not match ${url} (is HERALD_API_PUBLIC_URL the URL Twilio calls?)`,
    ]);
  }
}

/**
 * Maps a Twilio message status callback: delivered/read → delivered, undelivered and
 * failed → failed (with Twilio's error code). Progress statuses (queued, sending, sent,
 * accepted, …) give undefined. The notification id comes from the StatusCallback
 * URL's `notificationId` query parameter, else the MessageSid is looked up.
 */
export function twilioReceipt(
  params: URLSearchParams,
  query: URLSearchParams,
): Receipt | undefined {
  const status = params.get('MessageStatus') ?? params.get('SmsStatus');
  const sid = params.get('MessageSid') ?? params.get('SmsSid');
  if (!status || !sid) {
    throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', [
      'twilio',
      'expected MessageStatus and MessageSid',
    ]);
  }
  const notificationId = query.get('notificationId') ?? undefined;
  const base = {
    provider: 'twilio',
    providerMessageId: sid,
    occurredAt: new Date().toISOString(),
    ...(notificationId ? { notificationId } : {}),
  };
  if (status === 'delivered' || status === 'read') return { ...base, state: 'delivered' };
  if (status === 'undelivered' || status === 'failed') {
    const code = params.get('ErrorCode');
    return {
      ...base,
      state: 'failed',
      reason: `${status}${code ? `: Twilio error ${code}` : ''}`,
      ...(code ? { message: `https://www.twilio.com/docs/api/errors/${code}` } : {}),
    };
  }
  return undefined;
}
