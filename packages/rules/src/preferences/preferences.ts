import type { ChannelName, Priority } from '@herald/core';
import { quietHoursEnd } from './quiet-hours.js';
import type { QuietHours } from './quiet-hours.js';
import { isValidTimeZone } from './zoned-time.js';

/**
 * What a recipient (or a tenant, as defaults) wants. In each map `false` opts out and
 * `true` opts back in, so a recipient can re-enable what the tenant turned off.
 */
export interface Preferences {
  /** Per channel, e.g. `{ sms: false }`. */
  readonly channels?: Readonly<Partial<Record<ChannelName, boolean>>>;
  /** Per rule category, e.g. `{ marketing: false }`. */
  readonly categories?: Readonly<Record<string, boolean>>;
  /** Per event type: exact, `prefix.*` or `*`; the most specific key wins. */
  readonly eventTypes?: Readonly<Record<string, boolean>>;
  /** `null` clears a tenant default. */
  readonly quietHours?: QuietHours | null;
  /** Zone for quiet hours when the recipient has none. */
  readonly timezone?: string;
}

/** What one candidate delivery is about. */
export interface DeliveryFacts {
  readonly channel: ChannelName;
  readonly eventType: string;
  readonly category?: string;
  readonly priority: Priority;
  /** The recipient's own zone, preferred over `Preferences.timezone`. */
  readonly timezone?: string;
  readonly now: Date;
}

export type PreferenceDecision =
  | { readonly action: 'deliver' }
  | { readonly action: 'suppress'; readonly reason: 'opted_out'; readonly detail: string }
  | { readonly action: 'defer'; readonly reason: 'quiet_hours'; readonly notBefore: Date };

const DELIVER: PreferenceDecision = Object.freeze({ action: 'deliver' });

/**
 * Tenant defaults overlaid by the recipient's own choices, key by key.
 *
 * @example
 * mergePreferences({ channels: { sms: false } }, { channels: { sms: true } }).channels // { sms: true }
 */
export function mergePreferences(
  tenant: Preferences | undefined,
  recipient: Preferences | undefined,
): Preferences {
  if (tenant === undefined) return recipient ?? {};
  if (recipient === undefined) return tenant;
  const quietHours = recipient.quietHours !== undefined ? recipient.quietHours : tenant.quietHours;
  const timezone = recipient.timezone ?? tenant.timezone;
  return {
    channels: { ...tenant.channels, ...recipient.channels },
    categories: { ...tenant.categories, ...recipient.categories },
    eventTypes: { ...tenant.eventTypes, ...recipient.eventTypes },
    ...(quietHours === undefined ? {} : { quietHours }),
    ...(timezone === undefined ? {} : { timezone }),
  };
}

/**
 * Applies preferences to one delivery: opted out → suppress; inside quiet hours →
 * defer to the window's end (never dropped); `critical` priority bypasses both, since
 * a page that waits for morning defeats its purpose. Pure: `now` comes in.
 *
 * @example
 * decidePreferences({ channels: { sms: false } }, { channel: 'sms', eventType: 'a', priority: 'normal', now })
 * // → { action: 'suppress', reason: 'opted_out', detail: 'channel sms' }
 */
export function decidePreferences(prefs: Preferences, facts: DeliveryFacts): PreferenceDecision {
  if (facts.priority === 'critical') return DELIVER;
  if (prefs.channels?.[facts.channel] === false) {
    return { action: 'suppress', reason: 'opted_out', detail: `channel ${facts.channel}` };
  }
  if (facts.category !== undefined && prefs.categories?.[facts.category] === false) {
    return { action: 'suppress', reason: 'opted_out', detail: `category ${facts.category}` };
  }
  if (prefs.eventTypes !== undefined) {
    const key = mostSpecific(prefs.eventTypes, facts.eventType);
    if (key !== undefined && prefs.eventTypes[key] === false) {
      return { action: 'suppress', reason: 'opted_out', detail: `event type ${key}` };
    }
  }
  const quiet = prefs.quietHours;
  if (quiet && (quiet.channels === undefined || quiet.channels.includes(facts.channel))) {
    const zone =
      [quiet.timezone, facts.timezone, prefs.timezone].find(
        (z) => z !== undefined && isValidTimeZone(z),
      ) ?? 'UTC';
    const end = quietHoursEnd(quiet, zone, facts.now);
    if (end !== undefined) return { action: 'defer', reason: 'quiet_hours', notBefore: end };
  }
  return DELIVER;
}

/** The key of `patterns` that best matches `type`: exact, then the longest prefix, then `*`. */
function mostSpecific(
  patterns: Readonly<Record<string, boolean>>,
  type: string,
): string | undefined {
  if (type in patterns) return type;
  let best: string | undefined;
  for (const key of Object.keys(patterns)) {
    if (
      key.endsWith('*') &&
      type.startsWith(key.slice(0, -1)) &&
      (best === undefined || key.length > best.length)
    )
      best = key;
  }
  return best;
}
