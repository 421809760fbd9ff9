import { z } from 'zod';
import { parseDuration } from '../rules/duration.js';
import { parseMatcher, parseMatchers, type LabelMatcher } from './matchers.js';

const LABEL = /^[A-Za-z_][A-Za-z0-9_]*$/;

const matcherList = z
  .array(z.string(), { error: 'must be a list of matchers such as severity=critical' })
  .min(1, 'list at least one matcher')
  .superRefine((texts, ctx) => {
    let bad = false;
    texts.forEach((text, i) => {
      const one = parseMatcher(text);
      if (one.ok) return;
      bad = true;
      ctx.addIssue({ code: 'custom', path: [i], message: one.problem });
    });
    if (bad) return;
    const parsed = parseMatchers(texts);
    if (!parsed.ok)
      for (const message of parsed.problems) ctx.addIssue({ code: 'custom', message });
  });

/**
 * One inhibition rule of a rules file's `inhibit:` list (Alertmanager's design): while
 * an event matching `source` is active (seen within `window`), events matching
 * `target` whose `equal` labels have the same values are not sent (`inhibited`).
 */
export const inhibitSchema = z.strictObject({
  id: z.string().trim().min(1).optional(),
  source: matcherList,
  target: matcherList,
  equal: z
    .array(z.string().regex(LABEL, 'must be a label name such as service or tenant'))
    .default([]),
  window: z
    .string()
    .refine((w) => (parseDuration(w) ?? 0) > 0, 'must be a duration such as 30s, 10m, 1h30m or 1d'),
});

/** A loaded inhibition rule. */
export interface InhibitRule {
  /** As written, else `inhibit-<n>` (its position, from 1). */
  readonly id: string;
  readonly source: readonly LabelMatcher[];
  readonly target: readonly LabelMatcher[];
  readonly equal: readonly string[];
  readonly window: string;
  readonly windowMs: number;
}

/** Builds a rule from what `inhibitSchema` accepted. */
export function inhibitRule(input: z.infer<typeof inhibitSchema>, index: number): InhibitRule {
  const parse = (texts: readonly string[]) => {
    const parsed = parseMatchers(texts);
    if (!parsed.ok) throw new Error(parsed.problems.join('; ')); // schema checked it
    return Object.freeze(parsed.matchers);
  };
  return Object.freeze({
    id: input.id ?? `inhibit-${index + 1}`,
    source: parse(input.source),
    target: parse(input.target),
    equal: Object.freeze([...input.equal]),
    window: input.window,
    windowMs: parseDuration(input.window)!,
  });
}
