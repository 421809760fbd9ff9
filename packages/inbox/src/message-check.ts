import { providerLimits } from '@herald/core';
import type { InboxMessageInput } from './types.js';

/**
 * What is wrong with a message before it is stored, or undefined. The limits are
 * core's `providerLimits` (inapp*), the ones the inapp template check uses too, so a
 * message the template accepted is never refused here. The answer goes into
 * HERALD_ERR_INBOX_MESSAGE_INVALID: a permanent failure, dead-lettered like any channel's.
 */
export function inboxMessageProblem(input: InboxMessageInput): string | undefined {
  const l = providerLimits;
  if (typeof input.title !== 'string' || input.title.trim() === '') return 'title is missing';
  if (typeof input.body !== 'string') return 'body is missing';
  const chars: [string, string | undefined, number][] = [
    ['title', input.title, l.inappTitleChars],
    ['body', input.body, l.inappBodyChars],
    ['actionUrl', input.actionUrl, l.inappUrlChars],
    ['avatar', input.avatar, l.inappUrlChars],
    ['category', input.category, l.inappCategoryChars],
    ['collapseKey', input.collapseKey, l.inappCollapseKeyChars],
  ];
  for (const [name, value, max] of chars) {
    if (value !== undefined && typeof value !== 'string') return `${name} must be a string`;
    if (value !== undefined && [...value].length > max)
      return `${name} is ${[...value].length} characters, over the limit of ${max}`;
  }
  const tags = input.tags ?? [];
  if (tags.length > l.inappTags) return `${tags.length} tags, over the limit of ${l.inappTags}`;
  const badTag = tags.find((t) => typeof t !== 'string' || t === '' || t.length > l.inappTagChars);
  if (badTag !== undefined)
    return `tag ${JSON.stringify(badTag)} must be 1 to ${l.inappTagChars} characters`;
  const bytes = Buffer.byteLength(
    JSON.stringify({ t: input.title, b: input.body, d: input.data ?? null }),
  );
  if (bytes > l.inappMessageBytes)
    return `title, body and data are ${bytes} bytes, over the limit of ${l.inappMessageBytes}`;
  return undefined;
}
