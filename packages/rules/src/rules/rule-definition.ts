import type { Rule } from './rule.js';

/**
 * A rule as plain, position-free data: what the rule does, without where it sits in
 * its file or its `version`. Two rules with equal definitions (compared as JSON with
 * sorted keys) behave the same; the rule store uses it to decide which rules an
 * apply changes.
 *
 * @example
 * const changed = JSON.stringify(ruleDefinition(a)) !== JSON.stringify(ruleDefinition(b));
 */
export function ruleDefinition(rule: Rule): Record<string, unknown> {
  const { source: _source, version: _version, dedupe, ...rest } = rule;
  return JSON.parse(
    JSON.stringify({
      ...rest,
      ...(dedupe === undefined ? {} : { dedupe: { key: dedupe.key, window: dedupe.window } }),
    }),
  ) as Record<string, unknown>;
}
