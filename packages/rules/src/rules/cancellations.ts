import type { CloudEvent } from '@herald/core';
import { celEvent, NO_RECIPIENT } from '../cel/cel-event.js';
import { celValueToString } from '../cel/cel-value.js';
import { compiledOf } from './compiled-rule.js';
import type { EvalErrorReport } from './rule.js';
import { report, tenantFor, tenantOf, type RuleSet } from './rule-set.js';

/** A cancellation an event asks for: pending jobs of `tenant` with `key` are not sent. */
export interface Cancellation {
  readonly ruleId: string;
  readonly tenant: string;
  readonly key: string;
}

/**
 * The cancellations an event causes (issue 16): for every enabled rule with `cancel`
 * whose `cancel.on` is true for the event (and whose `tenant`, if any, is the event's),
 * the rule's `cancel.key` evaluated on it. Independent of matching: the cancelling event
 * usually matches no rule of its own. Expressions that fail are returned in `errors`.
 *
 * @example
 * const { cancellations } = cancellationsFor(rules, event, now, 'default');
 */
export function cancellationsFor(
  rules: RuleSet,
  event: CloudEvent,
  now: Date,
  defaultTenant?: string,
): { cancellations: Cancellation[]; errors: EvalErrorReport[] } {
  const cancellations: Cancellation[] = [];
  const errors: EvalErrorReport[] = [];
  let eventValue: unknown;
  const eventTenant = tenantOf(event);
  for (const rule of rules.rules) {
    if (!rule.enabled || rule.cancel === undefined) continue;
    if (rule.tenant !== undefined && rule.tenant !== eventTenant) continue;
    const cancel = compiledOf(rule)?.cancel;
    if (cancel === undefined) continue;
    eventValue ??= celEvent(event);
    const activation = { event: eventValue, recipient: NO_RECIPIENT, now };
    const on = cancel.on.evaluate(activation);
    if (!on.ok) {
      errors.push(report(rule, 'cancel.on', on, event));
      continue;
    }
    if (on.value !== true) continue;
    const key = cancel.key.evaluate(activation);
    if (!key.ok) {
      errors.push(report(rule, 'cancel.key', key, event));
      continue;
    }
    cancellations.push({
      ruleId: rule.id,
      tenant: tenantFor(event, rule, defaultTenant),
      key: celValueToString(key.value),
    });
  }
  return { cancellations, errors };
}
