/**
 * Provider limits, as each provider documents them. A registry takes overrides
 * (e.g. `smsMaxSegments`), so an installation can be stricter than the provider.
 */
export const defaultLimits = {
  /** Not a provider limit but a sanity one: clients cut subjects long before RFC 5322's 998. */
  emailSubjectChars: 255,
  /** Twilio recommends at most 10 segments; carriers may drop longer concatenations. */
  smsMaxSegments: 10,
  /** FCM: notification and data payload together. */
  pushPayloadBytes: 4096,
  slackTextChars: 40_000,
  slackBlocks: 50,
  slackSectionTextChars: 3000,
  slackSectionFields: 10,
  slackSectionFieldChars: 2000,
  slackHeaderTextChars: 150,
  discordContentChars: 2000,
  discordEmbeds: 10,
  discordEmbedTitleChars: 256,
  discordEmbedDescriptionChars: 4096,
  discordEmbedFields: 25,
  discordFieldNameChars: 256,
  discordFieldValueChars: 1024,
  discordFooterTextChars: 2048,
  discordAuthorNameChars: 256,
  /** Sum of every title, description, field name and value, footer and author name. */
  discordEmbedsTotalChars: 6000,
  /** Teams refuses messages over about 28 KB, card JSON included. */
  teamsPayloadBytes: 28 * 1024,
  /** Counted after MarkdownV2 parsing, as Telegram does. */
  telegramTextChars: 4096,
  pagerdutySummaryChars: 1024,
  pagerdutyPayloadBytes: 512 * 1024,
} as const;

export type ProviderLimits = { readonly [K in keyof typeof defaultLimits]: number };

/** One broken limit: where, which, the value and the maximum. */
export interface LimitViolation {
  /** The setting in ProviderLimits, e.g. `slackSectionTextChars`. */
  readonly limit: keyof ProviderLimits;
  /** Where in the rendered content, e.g. `blocks[3].text.text`. */
  readonly path: string;
  /** What is measured, for people: "Slack section text". */
  readonly what: string;
  readonly actual: number;
  readonly max: number;
  readonly unit: 'chars' | 'bytes' | 'items' | 'segments';
}

/** `blocks[3].text.text: Slack section text is 3127 chars, over the limit of 3000`. */
export function describeViolation(v: LimitViolation): string {
  return `${v.path}: ${v.what} is ${v.actual} ${v.unit}, over the limit of ${v.max} (${v.limit})`;
}

/** Characters as people and most providers count them: code points, not UTF-16 units. */
export function charCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

export function byteCount(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** Collects violations; `chars` counts only when the UTF-16 length could exceed the max. */
export class LimitChecker {
  readonly violations: LimitViolation[] = [];

  constructor(readonly limits: ProviderLimits) {}

  chars(limit: keyof ProviderLimits, path: string, what: string, text: unknown): void {
    if (typeof text !== 'string') return;
    const max = this.limits[limit];
    if (text.length <= max) return;
    const actual = charCount(text);
    if (actual > max) this.violations.push({ limit, path, what, actual, max, unit: 'chars' });
  }

  count(
    limit: keyof ProviderLimits,
    path: string,
    what: string,
    actual: number,
    unit: LimitViolation['unit'] = 'items',
  ): void {
    const max = this.limits[limit];
    if (actual > max) this.violations.push({ limit, path, what, actual, max, unit });
  }

  bytes(limit: keyof ProviderLimits, path: string, what: string, value: unknown): void {
    this.count(limit, path, what, byteCount(value), 'bytes');
  }
}
