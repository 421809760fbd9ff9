import { createHash, timingSafeEqual } from 'node:crypto';
import { HeraldError } from '@herald/core';
import type { Receipt } from './receipt.js';

/**
 * Postmark signs nothing: its webhooks carry basic auth credentials put in the
 * webhook URL (https://user:password@herald.example.com/v1/receipts/postmark). The
 * header must name the configured user and password. Both sides are hashed first so
 * the comparison is constant-time whatever their lengths.
 */
export function verifyPostmarkAuth(
  user: string,
  password: string,
  header: string | undefined,
): void {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) {
    throw new HeraldError('HERALD_ERR_RECEIPT_SIGNATURE', [
      'postmark',
      'basic auth is missing (put https://user:password@… in the Postmark webhook URL)',
    ]);
  }
  const given = Buffer.from(match[1]!, 'base64').toString('utf8');
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  if (!timingSafeEqual(digest(given), digest(`${user}:${password}`))) {
    throw new HeraldError('HERALD_ERR_RECEIPT_SIGNATURE', [
      'postmark',
      'basic auth user or password does not match HERALD_API_POSTMARK_USER / _PASSWORD',
    ]);
  }
}

/** Bounce types where the address itself refused the message (Postmark deactivates it). */
const PERMANENT = new Set(['HardBounce', 'BadEmailAddress', 'ManuallyDeactivated']);
/** Bounce records that report no delivery failure: auto-replies, list requests, tests. */
const INFORMATIONAL = new Set([
  'AutoResponder',
  'AddressChange',
  'Subscribe',
  'Unsubscribe',
  'ChallengeVerification',
  'OpenRelayTest',
  'InboundError',
]);

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined;

/**
 * Maps a Postmark webhook: RecordType Delivery → delivered; Bounce → bounced for
 * permanent types (HardBounce, BadEmailAddress, ManuallyDeactivated), nothing for
 * informational ones (auto-responders, …), else failed (soft bounce, DNS error,
 * blocked, …). Opens, clicks, spam complaints and subscription changes give undefined.
 * The notification id is `Metadata.herald_notification_id` (the Postmark provider
 * sets it), else the MessageID is looked up.
 */
export function postmarkReceipt(body: string, now = new Date()): Receipt | undefined {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', ['postmark', 'body is not JSON']);
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', ['postmark', 'body is not an object']);
  }
  const type = text(record.RecordType);
  if (!type) {
    throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', ['postmark', 'RecordType is missing']);
  }
  const metadata = record.Metadata as Record<string, unknown> | undefined;
  const notificationId = text(metadata?.herald_notification_id);
  const messageId = text(record.MessageID);
  if (!notificationId && !messageId) {
    throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', [
      'postmark',
      'expected Metadata.herald_notification_id or MessageID',
    ]);
  }
  const at = text(record.DeliveredAt) ?? text(record.BouncedAt);
  const base = {
    provider: 'postmark',
    occurredAt: at && !Number.isNaN(Date.parse(at)) ? at : now.toISOString(),
    ...(notificationId ? { notificationId } : {}),
    ...(messageId ? { providerMessageId: messageId } : {}),
  };
  if (type === 'Delivery') return { ...base, state: 'delivered' };
  if (type !== 'Bounce') return undefined;
  const bounceType = text(record.Type) ?? 'Unknown';
  if (INFORMATIONAL.has(bounceType)) return undefined;
  const detail = text(record.Details) ?? text(record.Description);
  return {
    ...base,
    state: PERMANENT.has(bounceType) ? 'bounced' : 'failed',
    reason: `${bounceType}${text(record.Name) ? ` (${text(record.Name)})` : ''}`,
    ...(detail ? { message: detail } : {}),
  };
}
