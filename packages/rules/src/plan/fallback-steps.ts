import { addressRef, checkAddress, deterministicId } from '@herald/core';
import type { CloudEvent, FallbackPlan, FallbackStep, Priority } from '@herald/core';
import {
  decidePreferences,
  mergePreferences,
  type Preferences,
} from '../preferences/preferences.js';
import { parseDuration } from '../rules/duration.js';
import type { Rule, RuleChannel } from '../rules/rule.js';
import type { Target } from './plan-types.js';

/** What planning one job's fallback needs from its plan run. */
export interface FallbackContext {
  readonly rule: Rule;
  /** Index-aligned with `rule.channels` (CompiledRule.fixedRefs). */
  readonly fixedRefs: readonly (string | undefined)[];
  readonly event: Pick<CloudEvent, 'id' | 'subject'>;
  readonly facts: { readonly eventType: string; readonly priority: Priority; readonly now: Date };
  /** The tenant's default preferences, overlaid by the recipient's own. */
  readonly preferences: Preferences | undefined;
}

/** Whether the recipient's preferences refuse a fallback channel (quiet hours do not hold a fallback). */
function optedOut(channel: RuleChannel, target: Target, context: FallbackContext): boolean {
  const own = target.recipient.preferences;
  if (context.preferences === undefined && own === undefined) return false;
  const category = context.rule.category;
  const decision = decidePreferences(mergePreferences(context.preferences, own), {
    channel: channel.type,
    ...context.facts,
    ...(category === undefined ? {} : { category }),
  });
  return decision.action === 'suppress';
}

/**
 * The fallback plan of a job on `channel` for `target`: one step per channel of its
 * `fallback` list that can reach the same recipient (its own address on that channel,
 * or the channel's fixed destination), with the id the job would have had on its own.
 * A recipient without that address, or opted out of that channel, has no such step;
 * undefined when no step is left. Planned here, so the worker that dead-letters a job
 * needs no recipient lookup.
 */
export function planFallback(
  channel: RuleChannel,
  target: Target,
  context: FallbackContext,
): FallbackPlan | undefined {
  const fallback = channel.fallback;
  if (fallback === undefined) return undefined;
  const { rule } = context;
  const next: FallbackStep[] = [];
  for (const type of fallback.channels) {
    const index = rule.channels.findIndex((c) => c.type === type);
    const fc = rule.channels[index];
    if (fc === undefined) continue; // refused at load time
    const fixedRef = context.fixedRefs[index];
    let ref: string | undefined;
    let address: string | undefined;
    if (fixedRef !== undefined) {
      ref = fixedRef;
      address = fc.url ?? fc.address;
    } else if (!target.fixed) {
      const raw = target.recipient.addresses[type];
      const checked = raw === undefined ? undefined : checkAddress(type, raw);
      if (checked?.ok === true) {
        address = checked.address;
        ref = target.ref !== '' ? target.ref : addressRef(type, address);
      }
      if (address !== undefined && optedOut(fc, target, context)) continue;
    }
    if (ref === undefined || address === undefined) continue;
    const notificationId = deterministicId(context.event.id, rule.id, ref, type);
    const step: FallbackStep = { channel: type, notificationId, recipient: { ref, address } };
    if (fc.template !== undefined) step.template = { ref: fc.template };
    const locale = (fixedRef === undefined ? target.recipient.locale : undefined) ?? fc.locale;
    if (locale !== undefined) step.locale = locale;
    if (type === 'webhook' && (fc.secretRef !== undefined || fc.headers !== undefined)) {
      step.options = {};
      if (fc.secretRef !== undefined) step.options.secretRef = fc.secretRef;
      if (fc.headers !== undefined) step.options.headers = { ...fc.headers };
    }
    if (fc.ordering === 'none') step.orderingKey = notificationId;
    else if (fc.ordering === 'subject')
      step.orderingKey = `${ref}\u0000${context.event.subject ?? `id:${context.event.id}`}`;
    next.push(step);
  }
  if (next.length === 0) return undefined;
  const afterMs = fallback.after === undefined ? undefined : parseDuration(fallback.after);
  return afterMs === undefined ? { next } : { next, afterMs };
}
