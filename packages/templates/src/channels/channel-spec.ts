import type { EscapeMode } from '../escape/escape-mode.js';
import type { LimitChecker } from '../limits/provider-limits.js';
import type { LeafEscape } from '../structured/structured-template.js';

/** How one part of a channel's template is written and escaped. */
export type PartSpec =
  | { readonly kind: 'text'; readonly required: boolean; readonly escape: EscapeMode }
  | { readonly kind: 'structured'; readonly required: boolean; readonly escape: LeafEscape }
  /** A name, not a template (an email's layout). */
  | { readonly kind: 'name'; readonly required: boolean };

/** A problem only worth the time when a template is saved, not on every render. */
export interface LintProblem {
  readonly path: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/**
 * Everything Herald knows about one channel's templates: its parts, how the rendered
 * parts become the content the provider adapter sends, and the provider's limits.
 */
export interface ChannelSpec {
  readonly parts: Readonly<Record<string, PartSpec>>;
  /** Rendered parts (absent optional parts are missing) → the content to send. */
  finish(parts: Readonly<Record<string, unknown>>, data: unknown): Record<string, unknown>;
  /** Records every limit the content breaks. */
  check(content: Readonly<Record<string, unknown>>, limits: LimitChecker): void;
  lint?(content: Readonly<Record<string, unknown>>): LintProblem[];
}

export function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Every leaf escaped the same way. */
export const leaves =
  (mode: EscapeMode): LeafEscape =>
  () =>
    mode;
