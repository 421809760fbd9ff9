import { addressRef, isChannelName } from '@herald/core';
import type { ChannelName } from '@herald/core';
import { fromCelValue } from '../cel/cel-value.js';
import type { Preferences } from '../preferences/preferences.js';

/**
 * A person or endpoint that can be notified, as the caller's cache holds it. Under
 * `recipient` in channel conditions it appears as a map with these same fields.
 */
export interface Recipient {
  readonly id: string;
  readonly tenant?: string;
  /** Address per channel: e-mail, E.164 phone, push token, chat handle, webhook URL, ... */
  readonly addresses: Readonly<Partial<Record<ChannelName, string>>>;
  readonly locale?: string;
  /** IANA zone, e.g. `Europe/Berlin`; quiet hours are read in it. */
  readonly timezone?: string;
  readonly preferences?: Preferences;
  /** Anything else rules may test, e.g. `recipient.attributes.team == "payments"`. */
  readonly attributes?: Readonly<Record<string, unknown>>;
  /**
   * Addresses a provider reported gone (an unregistered push token, an expired Web Push
   * subscription), by channel: jobs to them are suppressed with `address_invalid`.
   */
  readonly invalidAddresses?: Readonly<Partial<Record<ChannelName, AddressMark>>>;
}

/** A provider's verdict on one address (migrations/0009, `AddressStateStore`). */
export interface AddressMark {
  /** The provider's answer, e.g. `invalid-token (Unregistered)`. */
  readonly reason: string;
  readonly provider: string;
  readonly markedAt: Date;
}

/** One entry of a rule's `recipients` result. */
export type RecipientEntry =
  | { readonly kind: 'ref'; readonly ref: string }
  | { readonly kind: 'inline'; readonly id?: string; readonly recipient: Recipient }
  | { readonly kind: 'invalid'; readonly detail: string };

/**
 * Reads a `recipients` value: a string id, an address map, or a list of those.
 * An address map holds channel names as keys (`{"email": "a@example.com", "sms":
 * "+4915112345678"}`) and may add `id`, `locale`, `timezone`; `addresses` may nest
 * them instead. `null` means nobody.
 */
export function readRecipients(value: unknown): RecipientEntry[] {
  const plain = fromCelValue(value);
  const list = plain === null || plain === undefined ? [] : Array.isArray(plain) ? plain : [plain];
  return list.map(readEntry);
}

function readEntry(item: unknown): RecipientEntry {
  if (typeof item === 'string') {
    return item.length > 0
      ? { kind: 'ref', ref: item }
      : { kind: 'invalid', detail: 'empty recipient id' };
  }
  // Numeric ids (a user id from event data) are common; fractions are not ids.
  if (typeof item === 'number' && Number.isInteger(item)) return { kind: 'ref', ref: String(item) };
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return {
      kind: 'invalid',
      detail: `recipient must be an id or an address map, got ${item === null ? 'null' : Array.isArray(item) ? 'a list' : typeof item}`,
    };
  }
  const map = item as Record<string, unknown>;
  const addresses: Partial<Record<ChannelName, string>> = {};
  const nested =
    typeof map.addresses === 'object' && map.addresses !== null
      ? (map.addresses as Record<string, unknown>)
      : {};
  for (const source of [nested, map]) {
    for (const [key, value] of Object.entries(source)) {
      if (isChannelName(key) && typeof value === 'string' && value.length > 0)
        addresses[key] = value;
    }
  }
  const id =
    typeof map.id === 'string' && map.id.length > 0
      ? map.id
      : typeof map.id === 'number'
        ? String(map.id)
        : undefined;
  if (id === undefined && Object.keys(addresses).length === 0) {
    return { kind: 'invalid', detail: 'address map has neither an id nor a channel address' };
  }
  const recipient: Recipient = {
    id: id ?? '',
    addresses,
    ...(typeof map.locale === 'string' ? { locale: map.locale } : {}),
    ...(typeof map.timezone === 'string' ? { timezone: map.timezone } : {}),
  };
  return id === undefined ? { kind: 'inline', recipient } : { kind: 'inline', id, recipient };
}

/**
 * The recipient ref of a channel with a fixed destination (a webhook `url` or an
 * `address`), which sends one job per event instead of one per recipient. For a URL
 * it is host and path: stable, readable in status events, and free of the query
 * string and credentials, where secrets tend to live.
 */
export function fixedRecipientRef(channel: {
  readonly type: string;
  readonly url?: string;
  readonly address?: string;
}): string | undefined {
  if (channel.type === 'webhook' && channel.url !== undefined) return endpointRef(channel.url);
  // An address (an e-mail, a phone number, a routing key) is personal or secret.
  return channel.address === undefined ? undefined : addressRef(channel.type, channel.address);
}

function endpointRef(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return url;
  }
}

/** The `recipient` CEL value for a resolved recipient. */
export function recipientView(recipient: Recipient): Record<string, unknown> {
  return {
    id: recipient.id,
    addresses: { ...recipient.addresses },
    ...(recipient.tenant === undefined ? {} : { tenant: recipient.tenant }),
    ...(recipient.locale === undefined ? {} : { locale: recipient.locale }),
    ...(recipient.timezone === undefined ? {} : { timezone: recipient.timezone }),
    attributes: recipient.attributes ?? {},
  };
}
