import type { ChannelName } from '../channels.js';
import { HeraldError } from '../errors.js';
import { checkEmail } from './email-address.js';
import {
  checkGoogleChatWebhook,
  checkOpaqueId,
  checkPushToken,
  checkRoutingKey,
  checkSlack,
  checkTelegramChat,
  checkUrl,
} from './endpoint-address.js';
import { checkPhone } from './phone-number.js';

/** The result of {@link checkAddress}: the normalised address, or what is wrong with it. */
export type AddressCheck =
  | { readonly ok: true; readonly address: string }
  | { readonly ok: false; readonly problem: string; readonly error: HeraldError };

/** Longest address of any channel (the store's limit too). */
const MAX_LENGTH = 4096;
// C0/C1 controls, DEL, and the Unicode line and paragraph separators: any of them in an
// address can start a new header line or log line somewhere downstream.
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

const byChannel: Record<ChannelName, (value: string) => { address: string } | { problem: string }> =
  {
    email: checkEmail,
    sms: checkPhone,
    push: checkPushToken,
    slack: checkSlack,
    discord: checkUrl,
    webhook: checkUrl,
    teams: checkUrl,
    telegram: checkTelegramChat,
    mattermost: checkUrl,
    googlechat: checkGoogleChatWebhook,
    pagerduty: checkRoutingKey,
    inapp: checkOpaqueId,
  };

/**
 * Validates and normalises an address for its channel before anything is sent to it:
 * trimmed, then e-mail (one mailbox, lower-case domain), E.164 phone numbers, http(s)
 * URLs, device tokens, chat ids and routing keys. The problem never quotes the address
 * (status events carry it, and the address is personal data), and `error` is a
 * `HERALD_ERR_ADDRESS_INVALID`, which is never retriable.
 *
 * @example
 * checkAddress('email', ' Ada@Example.COM ');          // { ok: true, address: 'Ada@example.com' }
 * checkAddress('email', 'eve@x.test, victim@x.test');  // { ok: false, problem: 'holds a list …' }
 * checkAddress('sms', '+49 151 1234 5678');           // { ok: true, address: '+4915112345678' }
 */
export function checkAddress(channel: ChannelName, raw: unknown): AddressCheck {
  const result = check(channel, raw);
  return 'address' in result
    ? { ok: true, address: result.address }
    : {
        ok: false,
        problem: result.problem,
        error: new HeraldError('HERALD_ERR_ADDRESS_INVALID', [channel, result.problem]),
      };
}

/** The normalised address, or throws `HERALD_ERR_ADDRESS_INVALID` (see {@link checkAddress}). */
export function requireAddress(channel: ChannelName, raw: unknown): string {
  const result = checkAddress(channel, raw);
  if (!result.ok) throw result.error;
  return result.address;
}

function check(channel: ChannelName, raw: unknown): { address: string } | { problem: string } {
  if (typeof raw !== 'string')
    return { problem: `is a ${raw === null ? 'null' : typeof raw}, not text` };
  const value = raw.trim();
  if (value.length === 0) return { problem: 'is empty' };
  if (value.length > MAX_LENGTH) return { problem: `is over ${MAX_LENGTH} characters` };
  if (CONTROL.test(value)) return { problem: 'contains a line break or other control character' };
  return byChannel[channel](value);
}
