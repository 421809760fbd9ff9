/**
 * How values interpolated with `{{ }}` are escaped, per output format. Literal
 * template text is never touched: the author writes it in the target format.
 * `{{{ }}}` and helpers that return a SafeString are never escaped.
 *
 * - `html`: Handlebars' own HTML escaping (email HTML, layouts).
 * - `none`: plain text (SMS, push, email subject and text, Discord, Teams, JSON leaves).
 * - `slack`: Slack mrkdwn control characters `&`, `<`, `>` as entities, so a value
 *   cannot inject a mention or a link.
 * - `markdown-v2`: Telegram MarkdownV2, every reserved character backslash-escaped.
 */
export type EscapeMode = 'html' | 'none' | 'slack' | 'markdown-v2';

const SLACK_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Escapes `&`, `<` and `>` as Slack documents for mrkdwn text. */
export function escapeSlack(text: string): string {
  return /[&<>]/.test(text) ? text.replace(/[&<>]/g, (c) => SLACK_ENTITIES[c]!) : text;
}

// https://core.telegram.org/bots/api#markdownv2-style: these must be escaped anywhere
// outside code, and `\` itself.
const MARKDOWN_V2_RESERVED = /[_*[\]()~`>#+\-=|{}.!\\]/g;

/** Escapes text for Telegram MarkdownV2 outside code and link URLs. */
export function escapeMarkdownV2(text: string): string {
  return text.replace(MARKDOWN_V2_RESERVED, '\\$&');
}

/** Escapes text for inside a MarkdownV2 `code` or ```pre``` entity: only `` ` `` and `\`. */
export function escapeMarkdownV2Code(text: string): string {
  return text.replace(/[`\\]/g, '\\$&');
}

/** Escapes a URL for inside the `(...)` of a MarkdownV2 link: only `)` and `\`. */
export function escapeMarkdownV2Url(text: string): string {
  return text.replace(/[)\\]/g, '\\$&');
}

/** The escaping function for a mode that Herald applies itself (not `html` or `none`). */
export function escaperFor(mode: 'slack' | 'markdown-v2'): (text: string) => string {
  return mode === 'slack' ? escapeSlack : escapeMarkdownV2;
}
