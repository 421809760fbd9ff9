import { addressRef, checkAddress, deterministicId } from '@herald/core';
import type { ChannelName, CloudEvent, DeliveryJob, ErrorCode, Priority } from '@herald/core';
import { celEvent, NO_RECIPIENT } from '../cel/cel-event.js';
import type { CelEvalResult } from '../cel/cel-engine.js';
import { toCelValue } from '../cel/cel-value.js';
import { decidePreferences, mergePreferences } from '../preferences/preferences.js';
import type { DeliveryFacts } from '../preferences/preferences.js';
import { compiledOf } from '../rules/compiled-rule.js';
import type { CompiledRule } from '../rules/compiled-rule.js';
import type { Rule, RuleChannel, RuleMatch } from '../rules/rule.js';
import { report, tenantFor } from '../rules/rule-set.js';
import { priorityFor } from '../severity.js';
import { readRecipients, recipientView } from './recipient.js';
import type {
  PlanContext,
  PlanResult,
  PreparedDeliveries,
  RecipientLookup,
  RecipientRef,
  Target,
} from './plan-types.js';
import { addressInvalid, suppression } from './suppression.js';
import { resolveTargets } from './plan-targets.js';
import { buildJob } from './build-job.js';
import { planFallback } from './fallback-steps.js';
import { fallbackTargets } from '../rules/fallback-schema.js';
import { planWorkflow, withDelay } from './workflow-plan.js';

export type {
  Deferral,
  PlanContext,
  PlanResult,
  PreparedDeliveries,
  RecipientLookup,
  RecipientRef,
} from './plan-types.js';

/**
 * Turns matches into delivery jobs: one per (rule, recipient, channel), each with
 * `notificationId = deterministicId(event.id, rule.id, recipientRef, channel)` (a redelivered
 * event gives the same jobs). Never throws: each candidate not planned is in `suppressed`.
 *
 * Channels with a fixed destination (a webhook `url`, or an `address`) send one job
 * per event; the others fan out over the rule's `recipients`.
 *
 * @example
 * const { jobs, suppressed } = planDeliveries(event, rules.match(event, now), { now, resolveRecipient });
 */
export function planDeliveries(
  event: CloudEvent,
  matches: readonly RuleMatch[],
  context: PlanContext,
): PlanResult {
  return prepareDeliveries(event, matches, context).plan(context);
}

/**
 * The first half of {@link planDeliveries}: evaluates each fan-out rule's `recipients` once
 * and lists the ids they name; `plan` reuses them (and suppresses addresses marked invalid).
 *
 * @example
 * const prepared = prepareDeliveries(event, matches, { now, defaultTenant });
 * await cache.load(prepared.refs);
 * const plan = prepared.plan({ resolveRecipient: (ref, t) => cache.resolve(ref, t) });
 */
export function prepareDeliveries(
  event: CloudEvent,
  matches: readonly RuleMatch[],
  context: Omit<PlanContext, keyof RecipientLookup>,
): PreparedDeliveries {
  const run = new PlanRun(event, context, matches);
  return { refs: run.refs, plan: (lookup = {}) => run.plan(lookup) };
}

/** A rule's evaluated `recipients` and the tenant its jobs belong to. */
interface RuleRecipients {
  readonly tenant: string;
  /** Undefined when the rule has no `recipients` to fan out over. */
  readonly value: CelEvalResult | undefined;
}

/** What stays the same for every job of one event. */
class PlanRun {
  readonly #event: CloudEvent;
  readonly #context: Omit<PlanContext, keyof RecipientLookup>;
  readonly #matches: readonly RuleMatch[];
  readonly #eventValue: unknown;
  readonly #plannedAt: string;
  // Shared by the event's jobs (immutable once planned).
  readonly #eventRef: DeliveryJob['event'];
  readonly #recipients = new Map<CompiledRule, RuleRecipients>();
  readonly refs: RecipientRef[] = [];
  // Set for the length of one `plan` call.
  #result!: PlanResult;
  #lookup: RecipientLookup = {};

  constructor(
    event: CloudEvent,
    context: Omit<PlanContext, keyof RecipientLookup>,
    matches: readonly RuleMatch[],
  ) {
    this.#event = event;
    this.#context = context;
    this.#matches = matches;
    this.#eventValue = celEvent(event);
    this.#plannedAt = context.now.toISOString();
    this.#eventRef =
      event.time === undefined
        ? { id: event.id, source: event.source, type: event.type }
        : { id: event.id, source: event.source, type: event.type, time: event.time };
    const seen = new Set<string>();
    for (const match of matches) {
      const compiled = compiledOf(match.rule);
      if (compiled === undefined) continue;
      const tenant = tenantFor(event, match.rule, context.defaultTenant);
      const value =
        compiled.fansOut && compiled.recipients !== undefined
          ? compiled.recipients.evaluate({
              event: this.#eventValue,
              recipient: NO_RECIPIENT,
              now: context.now,
            })
          : undefined;
      this.#recipients.set(compiled, { tenant, value });
      if (value === undefined || !value.ok) continue;
      for (const entry of readRecipients(value.value)) {
        if (entry.kind !== 'ref') continue;
        const key = `${tenant}\u0000${entry.ref}`;
        if (seen.has(key)) continue;
        seen.add(key);
        this.refs.push({ tenant, ref: entry.ref });
      }
    }
  }

  plan(lookup: RecipientLookup): PlanResult {
    const result: PlanResult = { jobs: [], suppressed: [], deferred: [], errors: [] };
    this.#result = result;
    this.#lookup = lookup;
    for (const match of this.#matches) {
      const compiled = compiledOf(match.rule);
      if (compiled === undefined) {
        for (const ch of match.rule.channels)
          result.suppressed.push(
            suppression(
              match.rule,
              ch.type,
              '*',
              'rule_not_loaded',
              'rule did not come from loadRules',
            ),
          );
        continue;
      }
      this.#planRule(compiled);
    }
    return result;
  }

  #planRule(compiled: CompiledRule): void {
    const { rule } = compiled;
    const event = this.#event;
    const result = this.#result;
    const { tenant, value } = this.#recipients.get(compiled)!;
    const priority = priorityFor(event.severity, rule.severity);
    let targets: Target[] = [];
    if (value !== undefined) {
      if (!value.ok) {
        result.errors.push(report(rule, 'recipients', value, event));
        rule.channels.forEach((ch, c) => {
          if (compiled.fixedRefs[c] === undefined)
            result.suppressed.push(
              suppression(rule, ch.type, '*', 'evaluation_error', `recipients: ${value.reason}`),
            );
        });
      } else {
        targets = resolveTargets(compiled, value.value, tenant, this.#lookup, result.suppressed);
      }
    }
    let planned: Set<string> | undefined;
    const fallbacksOnly = fallbackTargets(rule.channels);
    for (let c = 0; c < rule.channels.length; c++) {
      // A channel named in another's `fallback` is sent only as that fallback.
      if (fallbacksOnly.has(c)) continue;
      const channel = rule.channels[c]!;
      const fixedRef = compiled.fixedRefs[c];
      const channelTargets: Target[] =
        fixedRef === undefined ? targets : [fixedTarget(fixedRef, channel)];
      for (const target of channelTargets) {
        const raw = target.recipient.addresses[channel.type];
        const checked = raw === undefined ? undefined : checkAddress(channel.type, raw);
        if (checked !== undefined && !checked.ok) {
          this.#refuseAddress(rule, channel.type, target.ref, raw!, checked.error);
          continue;
        }
        const address = checked?.address;
        // An inline recipient without an id: a hash of its address, never the raw value.
        const ref = target.ref !== '' ? target.ref : address && addressRef(channel.type, address);
        if (address === undefined || ref === undefined) {
          const id =
            ref === undefined ? undefined : deterministicId(event.id, rule.id, ref, channel.type);
          result.suppressed.push(
            suppression(
              rule,
              channel.type,
              ref ?? '*',
              'no_address',
              `no ${channel.type} address`,
              id,
            ),
          );
          continue;
        }
        const id = deterministicId(event.id, rule.id, ref, channel.type);
        if (channelTargets.length > 1) {
          planned ??= new Set();
          if (planned.has(id)) continue; // the same recipient listed twice
          planned.add(id);
        }
        const mark = target.recipient.invalidAddresses?.[channel.type];
        if (mark !== undefined)
          result.suppressed.push(addressInvalid(rule, channel.type, ref, mark, id));
        else this.#planOne(compiled, c, target, ref, address, id, tenant, priority);
      }
    }
  }

  /**
   * An address that is not one valid address of its channel (a list, a line break, ...):
   * refused for good with the code. An inline recipient without an id gets a ref from a
   * hash of the address: the raw value never becomes a ref, two bad ones keep two ids.
   */
  #refuseAddress(
    rule: Rule,
    channel: ChannelName,
    targetRef: string,
    raw: string,
    error: { readonly code: ErrorCode; readonly message: string },
  ): void {
    const ref =
      targetRef !== '' ? targetRef : `invalid-address:${deterministicId(channel, raw).slice(0, 8)}`;
    this.#result.suppressed.push({
      ...suppression(
        rule,
        channel,
        ref,
        'invalid_address',
        error.message,
        deterministicId(this.#event.id, rule.id, ref, channel),
      ),
      code: error.code,
    });
  }

  #planOne(
    compiled: CompiledRule,
    index: number,
    target: Target,
    ref: string,
    address: string,
    notificationId: string,
    tenant: string,
    priority: Priority,
  ): void {
    const { rule } = compiled;
    const channel = rule.channels[index]!;
    const result = this.#result;
    const now = this.#context.now;
    const condition = compiled.channelWhen[index];
    if (condition !== undefined) {
      const view =
        target.recipient.id === ''
          ? toCelValue(recipientView({ ...target.recipient, id: ref }))
          : (target.view ??= toCelValue(recipientView(target.recipient)));
      const verdict = condition.evaluate({ event: this.#eventValue, recipient: view, now });
      if (!verdict.ok) {
        result.errors.push(report(rule, `channels[${index}].when`, verdict, this.#event));
        result.suppressed.push(
          suppression(
            rule,
            channel.type,
            ref,
            'evaluation_error',
            `channels[${index}].when: ${verdict.reason}`,
            notificationId,
          ),
        );
        return;
      }
      if (verdict.value !== true) {
        result.suppressed.push(
          suppression(
            rule,
            channel.type,
            ref,
            'condition_false',
            `channels[${index}].when is false`,
            notificationId,
          ),
        );
        return;
      }
    }
    let notBefore: string | undefined;
    if (!target.fixed) {
      const tenantDefaults = this.#lookup.tenantPreferences?.(tenant);
      const own = target.recipient.preferences;
      if (tenantDefaults !== undefined || own !== undefined) {
        const facts: { -readonly [K in keyof DeliveryFacts]: DeliveryFacts[K] } = {
          channel: channel.type,
          eventType: this.#event.type,
          priority,
          now,
        };
        if (rule.category !== undefined) facts.category = rule.category;
        if (target.recipient.timezone !== undefined) facts.timezone = target.recipient.timezone;
        const decision = decidePreferences(mergePreferences(tenantDefaults, own), facts);
        if (decision.action === 'suppress') {
          result.suppressed.push(
            suppression(rule, channel.type, ref, 'opted_out', decision.detail, notificationId),
          );
          return;
        }
        if (decision.action === 'defer') {
          notBefore = decision.notBefore.toISOString();
          result.deferred.push({ notificationId, reason: 'quiet_hours', notBefore });
        }
      }
    }
    const flow = planWorkflow(compiled, index, target, ref, { event: this.#eventValue, now });
    if (!flow.ok) {
      result.errors.push(report(rule, flow.field, flow, this.#event));
      const detail = `${flow.field}: ${flow.reason}`;
      result.suppressed.push(
        suppression(rule, channel.type, ref, 'evaluation_error', detail, notificationId),
      );
      return;
    }
    notBefore = withDelay(result.deferred, notificationId, notBefore, flow.delayedUntil);
    const job = buildJob({
      notificationId,
      event: this.#event,
      eventRef: this.#eventRef,
      plannedAt: this.#plannedAt,
      producedAt: this.#context.producedAt,
      tenant,
      rule,
      channel,
      ref,
      address,
      locale: target.recipient.locale,
      priority,
      notBefore,
      flow,
    });
    const fallback = planFallback(channel, target, {
      rule,
      fixedRefs: compiled.fixedRefs,
      event: this.#event,
      facts: { eventType: this.#event.type, priority, now },
      preferences: this.#lookup.tenantPreferences?.(tenant),
    });
    if (fallback !== undefined) job.fallback = fallback;
    result.jobs.push(job);
  }
}

function fixedTarget(ref: string, channel: RuleChannel): Target {
  const addresses: Partial<Record<ChannelName, string>> = {};
  addresses[channel.type] = channel.url ?? channel.address!;
  return { ref, fixed: true, recipient: { id: ref, addresses } };
}
