import type { ChannelName, ErrorCode } from '@herald/core';
import type { Rule, RuleMatch } from '../rules/rule.js';
import type { AddressMark } from './recipient.js';

/** Closed list of reasons a candidate delivery was not planned. */
export const suppressionReasons = [
  'no_recipients',
  'unknown_recipient',
  'invalid_recipient',
  'no_address',
  'invalid_address',
  /** A provider said the address is gone (push token unregistered, subscription expired). */
  'address_invalid',
  'condition_false',
  'opted_out',
  'evaluation_error',
  'rule_not_loaded',
  'dedupe_window',
  'duplicate_event',
  // Silences and inhibition (silences/): the job was planned, then held back.
  'silenced',
  'inhibited',
] as const;
export type SuppressionReason = (typeof suppressionReasons)[number];

/** A candidate (rule, recipient, channel) that was not planned, and why. */
export interface Suppression {
  readonly rule: { readonly id: string; readonly version: number };
  readonly channel: ChannelName;
  /** `*` when the recipients themselves could not be computed. */
  readonly recipientRef: string;
  readonly reason: SuppressionReason;
  readonly detail?: string;
  /** The registry code when the candidate was refused for good (`detail` is its message). */
  readonly code?: ErrorCode;
  /** The id the job would have had, for a status event; absent when no recipient is known. */
  readonly notificationId?: string;
  /** `silenced`: the silence's id. */
  readonly silenceId?: string;
  /** `inhibited`: the inhibiting event's id. */
  readonly inhibitedBy?: string;
}

/**
 * Suppressions for a match the caller dropped before planning, one per channel with
 * recipient `*`, so the drop still leaves a status event with its reason. The router
 * uses it when a match's dedupe mark was already set.
 *
 * @example
 * if (!(await redis.set(m.dedupe.key, '1', 'PX', m.dedupe.windowMs, 'NX'))) suppressed.push(...suppressMatch(m, 'dedupe_window'));
 */
export function suppressMatch(
  match: RuleMatch,
  reason: SuppressionReason,
  detail?: string,
): Suppression[] {
  return match.rule.channels.map((ch) => suppression(match.rule, ch.type, '*', reason, detail));
}

/** One suppression record; `detail` and `notificationId` only when known. */
export function suppression(
  rule: Rule,
  channel: ChannelName,
  recipientRef: string,
  reason: SuppressionReason,
  detail?: string,
  notificationId?: string,
): Suppression {
  return {
    rule: { id: rule.id, version: rule.version },
    channel,
    recipientRef,
    reason,
    ...(detail === undefined ? {} : { detail }),
    ...(notificationId === undefined ? {} : { notificationId }),
  };
}

/** A candidate whose address a provider marked invalid: the detail names who said what, when. */
export function addressInvalid(
  rule: Rule,
  channel: ChannelName,
  recipientRef: string,
  mark: AddressMark,
  notificationId: string,
): Suppression {
  const detail = `${mark.provider}: ${mark.reason} (marked ${mark.markedAt.toISOString()})`;
  return suppression(rule, channel, recipientRef, 'address_invalid', detail, notificationId);
}
