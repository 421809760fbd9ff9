import type { CloudEvent } from '@herald/core';
import { celEvent, NO_RECIPIENT } from '../cel/cel-event.js';
import { celValueToString } from '../cel/cel-value.js';
import { dedupeMark } from '../dedupe/dedupe-mark.js';
import type { CompiledRule } from './compiled-rule.js';
import type { EvalErrorReport, Rule, RuleMatch } from './rule.js';
import { TypeIndex } from './type-index.js';
import type { InhibitRule } from '../silences/inhibit-schema.js';

/** Matches plus the expressions that failed on the way (each counted as no match). */
export interface MatchResult {
  readonly matches: RuleMatch[];
  readonly errors: EvalErrorReport[];
}

/**
 * Why one rule did or did not match an event (`herald rules test`), in the order
 * {@link RuleSet.match} decides: disabled, event type not indexed for the rule, other
 * tenant, condition error, condition false, not reached (an earlier match stopped), match.
 */
export type RuleVerdict =
  | { readonly rule: Rule; readonly verdict: 'matched' }
  | { readonly rule: Rule; readonly verdict: 'disabled' }
  | { readonly rule: Rule; readonly verdict: 'type-not-indexed' }
  | { readonly rule: Rule; readonly verdict: 'other-tenant' }
  | { readonly rule: Rule; readonly verdict: 'condition-false' }
  | { readonly rule: Rule; readonly verdict: 'condition-error'; readonly reason: string }
  | { readonly rule: Rule; readonly verdict: 'not-reached'; readonly stoppedBy: string };

/**
 * A loaded, immutable set of rules. Safe to share across concurrent evaluations; a
 * reload builds a new set and swaps the reference, so a failed load leaves the last
 * good set running.
 */
export interface RuleSet {
  /** Every rule of the file in file order, disabled ones included. */
  readonly rules: readonly Rule[];
  /** The file's `inhibit:` rules, in file order. */
  readonly inhibitions: readonly InhibitRule[];
  /**
   * Rules matching `event`, highest priority first. Stops after the first match whose
   * rule has `continue: false`. Evaluation errors count as no match and go to
   * `onEvalError`; this never throws.
   */
  match(event: CloudEvent, now: Date): RuleMatch[];
  /** {@link RuleSet.match} with the evaluation errors returned instead of reported. */
  evaluate(event: CloudEvent, now: Date): MatchResult;
  /** The enabled rules that `match` would evaluate for this event type, in order. */
  candidates(eventType: string): readonly Rule[];
  /** One verdict per rule, in file order: why each matched or not (for people, not the hot path). */
  explain(event: CloudEvent, now: Date): RuleVerdict[];
}

export interface RuleSetOptions {
  /** Called for each expression that fails at run time; wire it to a metric and the debug log. */
  readonly onEvalError?: (report: EvalErrorReport) => void;
  /** Tenant used in dedupe marks for events without `tenantid`. */
  readonly defaultTenant?: string;
  readonly inhibitions?: readonly InhibitRule[];
}

export function tenantOf(event: CloudEvent): string | undefined {
  const tenant = event.tenantid;
  return typeof tenant === 'string' && tenant.length > 0 ? tenant : undefined;
}

/**
 * The tenant a rule's jobs for this event belong to: the event's `tenantid`, else the
 * rule's `tenant`, else the deployment default. The one place this fallback is written.
 */
export function tenantFor(
  event: CloudEvent,
  rule: Pick<Rule, 'tenant'>,
  defaultTenant: string | undefined,
): string {
  return tenantOf(event) ?? rule.tenant ?? defaultTenant ?? 'default';
}

export class CompiledRuleSet implements RuleSet {
  readonly rules: readonly Rule[];
  readonly inhibitions: readonly InhibitRule[];
  readonly #compiled: readonly CompiledRule[];
  readonly #index: TypeIndex<CompiledRule>;
  readonly #onEvalError: ((report: EvalErrorReport) => void) | undefined;
  readonly #defaultTenant: string;

  /** `compiled` in file order. */
  constructor(compiled: readonly CompiledRule[], options: RuleSetOptions = {}) {
    this.rules = Object.freeze(compiled.map((c) => c.rule));
    this.inhibitions = Object.freeze([...(options.inhibitions ?? [])]);
    this.#compiled = compiled;
    // Array.prototype.sort is stable: equal priorities keep file order.
    const ordered = compiled
      .filter((c) => c.rule.enabled)
      .sort((a, b) => b.rule.priority - a.rule.priority);
    this.#index = new TypeIndex(ordered, (c) => c.rule.types);
    this.#onEvalError = options.onEvalError;
    this.#defaultTenant = options.defaultTenant ?? 'default';
  }

  candidates(eventType: string): readonly Rule[] {
    return this.#index.candidates(eventType).map((c) => c.rule);
  }

  explain(event: CloudEvent, now: Date): RuleVerdict[] {
    const { matches } = this.evaluate(event, now);
    const matched = new Set(matches.map((m) => m.rule));
    const candidates = new Set(this.#index.candidates(event.type));
    // The first match that stops (continue: false) hides every later candidate.
    const stopper = matches.find((m) => !m.rule.continue)?.rule;
    const activation = { event: celEvent(event), recipient: NO_RECIPIENT, now };
    const tenant = tenantOf(event);
    return this.#compiled.map((compiled): RuleVerdict => {
      const { rule } = compiled;
      if (!rule.enabled) return { rule, verdict: 'disabled' };
      if (!candidates.has(compiled)) return { rule, verdict: 'type-not-indexed' };
      if (rule.tenant !== undefined && rule.tenant !== tenant)
        return { rule, verdict: 'other-tenant' };
      if (matched.has(rule)) return { rule, verdict: 'matched' };
      const result = compiled.matchWhen.evaluate(activation);
      if (!result.ok) return { rule, verdict: 'condition-error', reason: result.reason };
      if (result.value === true && stopper !== undefined)
        return { rule, verdict: 'not-reached', stoppedBy: stopper.id };
      return { rule, verdict: 'condition-false' };
    });
  }

  match(event: CloudEvent, now: Date): RuleMatch[] {
    const { matches, errors } = this.evaluate(event, now);
    if (this.#onEvalError !== undefined) for (const e of errors) this.#onEvalError(e);
    return matches;
  }

  evaluate(event: CloudEvent, now: Date): MatchResult {
    const matches: RuleMatch[] = [];
    const errors: EvalErrorReport[] = [];
    const candidates = this.#index.candidates(event.type);
    if (candidates.length === 0) return { matches, errors };
    const activation = { event: celEvent(event), recipient: NO_RECIPIENT, now };
    const tenant = tenantOf(event);
    for (const compiled of candidates) {
      const { rule } = compiled;
      if (rule.tenant !== undefined && rule.tenant !== tenant) continue;
      const result = compiled.matchWhen.evaluate(activation);
      if (!result.ok) {
        errors.push(report(rule, 'when', result, event));
        continue;
      }
      if (result.value !== true) continue;
      let match: RuleMatch = { rule };
      if (compiled.dedupeKey !== undefined && rule.dedupe !== undefined) {
        const key = compiled.dedupeKey.evaluate(activation);
        if (key.ok) {
          match = {
            rule,
            dedupe: dedupeMark(
              tenantFor(event, rule, this.#defaultTenant),
              rule.id,
              celValueToString(key.value),
              rule.dedupe.windowMs,
              now,
            ),
          };
        } else {
          // Delivering twice beats dropping: a key that cannot be computed disables dedupe for this match.
          errors.push(report(rule, 'dedupe.key', key, event));
        }
      }
      matches.push(match);
      if (!rule.continue) break;
    }
    return { matches, errors };
  }
}

export function report(
  rule: Rule,
  field: string,
  result: { code: string; reason: string },
  event: CloudEvent,
): EvalErrorReport {
  return {
    ruleId: rule.id,
    field,
    code: result.code,
    reason: result.reason,
    eventId: event.id,
    eventType: event.type,
  };
}
