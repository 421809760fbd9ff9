import type { RenderedContent } from '@herald/core';
import { assertLimit } from '../limits.js';
import { parseHttpUrl } from './http-client.js';
import { unusable, type HttpCall } from './http-provider.js';

/**
 * The POST of one JSON message to a chat service's incoming webhook (Discord, Google
 * Chat, Mattermost, Teams). The recipient address is the webhook URL, its token
 * included, which is why these providers run with the SSRF guard on.
 */
export function incomingWebhookCall(
  provider: string,
  address: string,
  message: Record<string, unknown>,
  options: {
    readonly contentType?: string;
    readonly query?: Readonly<Record<string, string>>;
  } = {},
): HttpCall {
  const url = parseHttpUrl(address);
  if (typeof url === 'string') throw unusable(provider, url);
  for (const [name, value] of Object.entries(options.query ?? {}))
    url.searchParams.set(name, value);
  return {
    url,
    headers: { 'content-type': options.contentType ?? 'application/json' },
    body: JSON.stringify(message),
  };
}

/** A chat message's text and its structured part (cards, attachments, embeds). */
export interface ChatMessageParts {
  readonly text?: string;
  readonly structured?: unknown[];
}

/**
 * Reads a chat message's two halves from the rendered content: the text field and the
 * structured list. At least one must be there, and the text must fit the provider's
 * limit (`countChars` says how the provider counts: UTF-16 units or code points).
 */
export function chatMessageParts(
  provider: string,
  content: RenderedContent | undefined,
  fields: { readonly text: string; readonly structured: string },
  maxTextChars: number,
  countChars: (text: string) => number = (text) => text.length,
): ChatMessageParts {
  const text = content?.[fields.text];
  const structured = content?.[fields.structured];
  const hasList = Array.isArray(structured);
  if ((typeof text !== 'string' || text === '') && !hasList) {
    throw unusable(
      provider,
      `the rendered content has neither "${fields.text}" nor "${fields.structured}"`,
    );
  }
  if (typeof text === 'string')
    assertLimit(provider, fields.text, countChars(text), maxTextChars, 'characters');
  return {
    ...(typeof text === 'string' ? { text } : {}),
    ...(hasList ? { structured: structured as unknown[] } : {}),
  };
}
