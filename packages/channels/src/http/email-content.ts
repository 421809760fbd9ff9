import type { RenderedContent } from '@herald/core';
import { assertLimit } from '../limits.js';
import { requireText, unusable } from './http-provider.js';

/** The parts every e-mail API takes: a subject and an HTML and/or text body. */
export interface EmailContent {
  readonly subject: string;
  readonly html?: string;
  readonly text?: string;
}

/**
 * The subject and bodies of rendered e-mail content, or a permanent failure naming
 * what is missing: every e-mail API refuses a message without a subject or a body.
 * With `maxMessageBytes`, subject and bodies together must fit it (SES, SMTP servers).
 */
export function emailContent(
  provider: string,
  content: RenderedContent | undefined,
  maxMessageBytes?: number,
): EmailContent {
  const subject = requireText(provider, content, 'subject');
  const html = content?.html;
  const text = content?.text;
  if (typeof html !== 'string' && typeof text !== 'string') {
    throw unusable(provider, 'the rendered content has neither "html" nor "text"');
  }
  if (maxMessageBytes !== undefined) {
    const size =
      Buffer.byteLength(subject) +
      (typeof html === 'string' ? Buffer.byteLength(html) : 0) +
      (typeof text === 'string' ? Buffer.byteLength(text) : 0);
    assertLimit(provider, 'the message', size, maxMessageBytes, 'bytes');
  }
  return {
    subject,
    ...(typeof html === 'string' ? { html } : {}),
    ...(typeof text === 'string' ? { text } : {}),
  };
}
