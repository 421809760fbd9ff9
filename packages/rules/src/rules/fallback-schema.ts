import { channelNames, type ChannelName } from '@herald/core';
import { z } from 'zod';
import { parseDuration } from './duration.js';

/** Channels whose providers send delivery receipts (apps/api/src/receipts): `after` needs one. */
export const receiptChannels: readonly ChannelName[] = ['email', 'sms', 'webhook'];

const LIST_FORM = Symbol('fallback list form');

const channelList = z
  .array(z.enum(channelNames, { error: () => `must be one of ${channelNames.join(', ')}` }))
  .min(1, 'list at least one fallback channel')
  .refine((list) => new Set(list).size === list.length, 'lists a channel twice');

/**
 * A rule channel's `fallback` (docs/rules.md): `[sms, email]`, or
 * `{ channels: [sms], after: 10m }` to also fall back when the channel is not
 * `delivered` within `after`. Normalised to the object form.
 */
export const fallbackSchema = z.union([
  // The list form remembers it was one (not enumerable: not part of the definition), so
  // a problem points at the list's item rather than at a `channels:` it does not have.
  channelList.transform((channels) =>
    Object.defineProperty({ channels }, LIST_FORM, { value: true, enumerable: false }),
  ),
  z.strictObject({
    channels: channelList,
    after: z
      .string()
      .refine(
        (w) => (parseDuration(w) ?? 0) > 0,
        'must be a duration such as 30s, 10m, 1h30m or 1d',
      )
      .optional(),
  }),
]);

/** What `fallback` parses to. */
export interface RuleFallback {
  readonly channels: readonly ChannelName[];
  /** As written, e.g. `10m`; absent: fall back on dead letters only. */
  readonly after?: string;
}

type FallbackChannel = {
  readonly type: ChannelName;
  readonly template?: string | undefined;
  readonly when?: string | undefined;
  readonly fallback?: RuleFallback | undefined;
};

/**
 * Checks every channel's `fallback` against the rule's other channels: each names a
 * channel the rule has (its template is the fallback's), not itself; a fallback
 * channel has no `when` or `fallback` of its own; `after` only on channels with
 * receipts. Problems go to `issue` with their path under the rule.
 */
export function checkFallbacks(
  channels: readonly FallbackChannel[],
  issue: (path: (string | number)[], message: string) => void,
): void {
  const targets = new Set<number>();
  channels.forEach((channel, i) => {
    const fallback = channel.fallback;
    if (fallback === undefined) return;
    fallback.channels.forEach((type, f) => {
      const listForm = (fallback as { [LIST_FORM]?: boolean })[LIST_FORM] === true;
      const path = ['channels', i, 'fallback', ...(listForm ? [] : ['channels']), f];
      if (type === channel.type) {
        issue(path, `a ${type} channel cannot fall back to ${type}`);
        return;
      }
      const target = channels.findIndex((c) => c.type === type);
      if (target < 0 || (type !== 'webhook' && channels[target]!.template === undefined)) {
        issue(
          path,
          `fallback to ${type}: the rule has no ${type} channel with a template; add one to "channels" (a channel named as a fallback is sent only as one)`,
        );
        return;
      }
      targets.add(target);
    });
    if (fallback.after !== undefined && !receiptChannels.includes(channel.type))
      issue(
        ['channels', i, 'fallback', 'after'],
        `"after" needs delivery receipts, which ${channel.type} has none of; use it on ${receiptChannels.join(', ')}`,
      );
  });
  for (const t of targets) {
    const target = channels[t]!;
    if (target.fallback !== undefined)
      issue(
        ['channels', t, 'fallback'],
        `the ${target.type} channel is another channel's fallback; list the whole order on the first channel instead`,
      );
    if (target.when !== undefined)
      issue(
        ['channels', t, 'when'],
        `the ${target.type} channel is a fallback; "when" is not supported on it`,
      );
  }
}

/** Index of the channels that are only sent as another channel's fallback. */
export function fallbackTargets(channels: readonly FallbackChannel[]): ReadonlySet<number> {
  const targets = new Set<number>();
  for (const channel of channels)
    for (const type of channel.fallback?.channels ?? []) {
      const t = channels.findIndex((c) => c.type === type);
      if (t >= 0) targets.add(t);
    }
  return targets;
}
