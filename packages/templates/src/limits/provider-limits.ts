import { providerLimits, type ProviderLimits } from '@herald/core';

export type { ProviderLimits };

/**
 * The provider limits templates check, as each provider documents them. The numbers
 * live in core (`providerLimits`), where the providers of `@herald/channels` read
 * them too. A registry takes overrides (e.g. `smsMaxSegments`), so an installation
 * can be stricter than the provider.
 */
export const defaultLimits: ProviderLimits = providerLimits;

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
