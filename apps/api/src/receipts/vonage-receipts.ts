import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { HeraldError } from '@herald/core';
import type { Receipt } from './receipt.js';

/** How far a signed DLR's `timestamp` may be from now: older ones are replays. */
export const VONAGE_TOLERANCE_SECONDS = 5 * 60;

/**
 * The signature methods a Vonage account can pick in its dashboard (API settings →
 * signature method): `md5hash` (the default), or an HMAC with md5, sha1, sha256, sha512.
 */
export const vonageSignatureMethods = ['md5hash', 'md5', 'sha1', 'sha256', 'sha512'] as const;
export type VonageSignatureMethod = (typeof vonageSignatureMethods)[number];

/**
 * Vonage's SMS API request signature (developer.vonage.com, "Signing messages"): every
 * parameter but `sig`, sorted by name, as `&name=value` with `&` and `=` in values
 * replaced by `_`; `md5hash` is the hex MD5 of that string followed by the signature
 * secret, the others the hex HMAC of the string keyed with the secret.
 */
export function vonageSignature(
  secret: string,
  method: VonageSignatureMethod,
  params: Readonly<Record<string, string>>,
): string {
  let data = '';
  for (const name of Object.keys(params).sort()) {
    if (name === 'sig') continue;
    data += `&${name}=${params[name]!.replace(/[&=]/g, '_')}`;
  }
  return method === 'md5hash'
    ? createHash('md5')
        .update(data + secret, 'utf8')
        .digest('hex')
    : createHmac(method, secret).update(data, 'utf8').digest('hex');
}

/**
 * A DLR's parameters from the query (GET), a form body or a JSON body (POST, as the
 * account's webhook method says). Values become strings, as Vonage signs them.
 */
export function vonageParams(
  query: URLSearchParams,
  body: string,
  contentType: string | undefined,
): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of query) params[name] = value;
  if (body.trim() === '') return params;
  if ((contentType ?? '').includes('json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', ['vonage', 'body is not JSON']);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', ['vonage', 'body is not an object']);
    }
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value === 'string' || typeof value === 'number') params[name] = String(value);
    }
    return params;
  }
  for (const [name, value] of new URLSearchParams(body)) params[name] = value;
  return params;
}

/**
 * Verifies a signed Vonage SMS delivery receipt (the `sig` parameter, and a `timestamp`
 * within five minutes of `now`) and maps it: `delivered` → delivered; `failed`,
 * `rejected`, `expired` → failed, with Vonage's `err-code`. Progress statuses
 * (`accepted`, `buffered`) and `unknown` give undefined. The notification id is the
 * `client-ref` the Vonage provider sets, else the `messageId` is looked up.
 */
export function vonageReceipt(
  secret: string,
  method: VonageSignatureMethod,
  params: Readonly<Record<string, string>>,
  now = new Date(),
): Receipt | undefined {
  const sig = params.sig;
  const timestamp = params.timestamp;
  if (!sig || !timestamp) {
    throw new HeraldError('HERALD_ERR_RECEIPT_SIGNATURE', [
      'vonage',
      'sig and timestamp are required (turn on signed webhooks for the Vonage account)',
    ]);
  }
  // HMAC signatures arrive upper- or lower-case hex.
  const expected = Buffer.from(vonageSignature(secret, method, params));
  const given = Buffer.from(sig.toLowerCase());
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new HeraldError('HERALD_ERR_RECEIPT_SIGNATURE', [
      'vonage',
      "sig does not match (are HERALD_API_VONAGE_SIGNATURE_SECRET and _METHOD the account's?)",
    ]);
  }
  const age = Math.abs(now.getTime() / 1000 - Number(timestamp));
  if (!(age <= VONAGE_TOLERANCE_SECONDS)) {
    throw new HeraldError('HERALD_ERR_RECEIPT_SIGNATURE', [
      'vonage',
      `timestamp ${timestamp} is more than ${VONAGE_TOLERANCE_SECONDS}s from now`,
    ]);
  }
  const status = params.status;
  const messageId = params.messageId;
  const notificationId = params['client-ref'];
  if (!status || (!messageId && !notificationId)) {
    throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', [
      'vonage',
      'expected status and messageId (or client-ref)',
    ]);
  }
  const base = {
    provider: 'vonage',
    occurredAt: new Date(Number(timestamp) * 1000).toISOString(),
    ...(notificationId ? { notificationId } : {}),
    ...(messageId ? { providerMessageId: messageId } : {}),
  };
  if (status === 'delivered') return { ...base, state: 'delivered' };
  if (status === 'failed' || status === 'rejected' || status === 'expired') {
    const code = params['err-code'];
    return {
      ...base,
      state: 'failed',
      reason: `${status}${code ? `: Vonage err-code ${code}` : ''}`,
    };
  }
  return undefined;
}
