import { deterministicId } from '@herald/core';
import type { ChannelName, CloudEvent, DeliveryJob, Priority } from '@herald/core';
import { celEvent, NO_RECIPIENT } from '../cel/cel-event.js';
import { toCelValue } from '../cel/cel-value.js';
import { decidePreferences, mergePreferences } from '../preferences/preferences.js';
import type { Preferences } from '../preferences/preferences.js';
import { compiledOf } from '../rules/compiled-rule.js';
import type { CompiledRule } from '../rules/compiled-rule.js';
import type { EvalErrorReport, Rule, RuleChannel, RuleMatch } from '../rules/rule.js';
import { report, tenantOf } from '../rules/rule-set.js';
import { priorityFor } from '../severity.js';
import { readRecipients, recipientView } from './recipient.js';
import type { Recipient } from './recipient.js';

/** Everything planning needs from outside; all of it data, so planning stays pure. */
export interface PlanContext {
  /** Becomes `plannedAt`, and the clock for quiet hours and CEL's `now`. */
  readonly now: Date;
  /** Kafka timestamp of the event, copied to each job. */
  readonly producedAt?: string;
  /** Tenant for events without `tenantid` and rules without `tenant`; default `default`. */
  readonly defaultTenant?: string;
  /** Looks a recipient id up in data the caller already holds (cache); synchronous by design. */
  resolveRecipient?(ref: string, tenant: string): Recipient | undefined;
  /** Tenant-wide default preferences, overlaid by each recipient's own. */
  tenantPreferences?(tenant: string): Preferences | undefined;
}

/** Closed list of reasons a candidate delivery was not planned. */
export const suppressionReasons = [
  'no_recipients',
  'unknown_recipient',
  'invalid_recipient',
  'no_address',
  'condition_false',
  'opted_out',
  'evaluation_error',
  'rule_not_loaded',
] as const;
export type SuppressionReason = (typeof suppressionReasons)[number];

/** A candidate (rule, recipient, channel) that was not planned, and why. */
export interface Suppression {
  readonly rule: { readonly id: string; readonly version: number };
  readonly channel: ChannelName;
  /** `*` when the recipients themselves could not be computed. */
  readonly recipientRef: string;
  readonly reason: SuppressionReason;
  readonly detail?: string;
  /** The id the job would have had, for a status event; absent when no recipient is known. */
  readonly notificationId?: string;
}

/** A planned job held back by quiet hours; the job itself is in `jobs` with `notBefore`. */
export interface Deferral {
  readonly notificationId: string;
  readonly reason: 'quiet_hours';
  readonly notBefore: string;
}

export interface PlanResult {
  readonly jobs: DeliveryJob[];
  readonly suppressed: Suppression[];
  readonly deferred: Deferral[];
  /** Expressions that failed while planning (also reflected in `suppressed`). */
  readonly errors: EvalErrorReport[];
}

interface Target {
  readonly ref: string;
  readonly recipient: Recipient;
  /** Fixed destinations (webhook url, channel address) skip recipient preferences. */
  readonly fixed: boolean;
  /** `recipient` as a CEL value, built on first use and shared by the rule's channels. */
  view?: unknown;
}

/**
 * Turns matches into delivery jobs: one per (rule, recipient, channel), each with
 * `notificationId = deterministicId(event.id, rule.id, recipientRef, channel)`, so
 * planning a redelivered event gives the very same jobs. Never throws: every
 * candidate that is not planned appears in `suppressed` with its reason.
 *
 * Channels with a fixed destination (a webhook `url`, or an `address`) send one job
 * per event; the others fan out over the rule's `recipients`.
 *
 * @example
 * const { jobs, suppressed } = planDeliveries(event, rules.match(event, now), { now, resolveRecipient });
 */
export function planDeliveries(event: CloudEvent, matches: readonly RuleMatch[], context: PlanContext): PlanResult {
  const result: PlanResult = { jobs: [], suppressed: [], deferred: [], errors: [] };
  for (const match of matches) {
    const compiled = compiledOf(match.rule);
    if (compiled === undefined) {
      for (const ch of match.rule.channels) result.suppressed.push(suppression(match.rule, ch.type, '*', 'rule_not_loaded', 'rule did not come from loadRules'));
      continue;
    }
    planRule(event, compiled, context, result);
  }
  return result;
}

function planRule(event: CloudEvent, compiled: CompiledRule, context: PlanContext, result: PlanResult): void {
  const { rule } = compiled;
  const tenant = tenantOf(event) ?? rule.tenant ?? context.defaultTenant ?? 'default';
  const priority = priorityFor(event.severity, rule.severity);
  const eventValue = celEvent(event);
  let targets: Target[] = [];
  if (compiled.fansOut && compiled.recipients !== undefined) {
    const value = compiled.recipients.evaluate({ event: eventValue, recipient: NO_RECIPIENT, now: context.now });
    if (!value.ok) {
      result.errors.push(report(rule, 'recipients', value, event));
      rule.channels.forEach((ch, c) => {
        if (compiled.fixedRefs[c] === undefined) result.suppressed.push(suppression(rule, ch.type, '*', 'evaluation_error', `recipients: ${value.reason}`));
      });
    } else {
      targets = resolveTargets(compiled, value.value, tenant, context, result);
    }
  }
  const planned = new Set<string>();
  rule.channels.forEach((channel, c) => {
    const fixedRef = compiled.fixedRefs[c];
    const channelTargets: Target[] =
      fixedRef === undefined
        ? targets
        : [{ ref: fixedRef, fixed: true, recipient: { id: fixedRef, addresses: { [channel.type]: channel.url ?? channel.address! } } }];
    for (const target of channelTargets) {
      const address = target.recipient.addresses[channel.type];
      // An inline recipient without an id is known by its address.
      const ref = target.ref !== '' ? target.ref : address;
      if (address === undefined || ref === undefined) {
        const id = ref === undefined ? undefined : deterministicId(event.id, rule.id, ref, channel.type);
        result.suppressed.push(suppression(rule, channel.type, ref ?? '*', 'no_address', `no ${channel.type} address`, id));
        continue;
      }
      const id = deterministicId(event.id, rule.id, ref, channel.type);
      if (planned.has(id)) continue; // the same recipient listed twice
      planned.add(id);
      planOne(event, compiled, c, channel, target, ref, address, { tenant, priority, id, eventValue }, context, result);
    }
  });
}

function resolveTargets(compiled: CompiledRule, value: unknown, tenant: string, context: PlanContext, result: PlanResult): Target[] {
  const { rule } = compiled;
  const targets: Target[] = [];
  const entries = readRecipients(value);
  const fanOutChannels = rule.channels.filter((_, c) => compiled.fixedRefs[c] === undefined);
  if (entries.length === 0) {
    for (const ch of fanOutChannels) result.suppressed.push(suppression(rule, ch.type, '*', 'no_recipients', 'recipients evaluated to an empty list'));
  }
  for (const entry of entries) {
    if (entry.kind === 'invalid') {
      for (const ch of fanOutChannels) result.suppressed.push(suppression(rule, ch.type, '*', 'invalid_recipient', entry.detail));
    } else if (entry.kind === 'ref') {
      const recipient = context.resolveRecipient?.(entry.ref, tenant);
      if (recipient === undefined) {
        for (const ch of fanOutChannels) result.suppressed.push(suppression(rule, ch.type, entry.ref, 'unknown_recipient', `no recipient "${entry.ref}" in tenant ${tenant}`));
      } else {
        targets.push({ ref: entry.ref, recipient, fixed: false });
      }
    } else {
      // An inline recipient without an id is known by its address on each channel.
      targets.push({ ref: entry.id ?? '', recipient: entry.recipient, fixed: false });
    }
  }
  return targets;
}

interface JobFacts {
  readonly tenant: string;
  readonly priority: Priority;
  readonly id: string;
  readonly eventValue: unknown;
}

function planOne(
  event: CloudEvent,
  compiled: CompiledRule,
  index: number,
  channel: RuleChannel,
  target: Target,
  ref: string,
  address: string,
  facts: JobFacts,
  context: PlanContext,
  result: PlanResult,
): void {
  const { rule } = compiled;
  const notificationId = facts.id;
  const condition = compiled.channelWhen[index];
  if (condition !== undefined) {
    const view = target.recipient.id === '' ? toCelValue(recipientView({ ...target.recipient, id: ref })) : (target.view ??= toCelValue(recipientView(target.recipient)));
    const verdict = condition.evaluate({ event: facts.eventValue, recipient: view, now: context.now });
    if (!verdict.ok) {
      result.errors.push(report(rule, `channels[${index}].when`, verdict, event));
      result.suppressed.push(suppression(rule, channel.type, ref, 'evaluation_error', `channels[${index}].when: ${verdict.reason}`, notificationId));
      return;
    }
    if (verdict.value !== true) {
      result.suppressed.push(suppression(rule, channel.type, ref, 'condition_false', `channels[${index}].when is false`, notificationId));
      return;
    }
  }
  let notBefore: string | undefined;
  if (!target.fixed) {
    const prefs = mergePreferences(context.tenantPreferences?.(facts.tenant), target.recipient.preferences);
    const decision = decidePreferences(prefs, {
      channel: channel.type,
      eventType: event.type,
      priority: facts.priority,
      now: context.now,
      ...(rule.category === undefined ? {} : { category: rule.category }),
      ...(target.recipient.timezone === undefined ? {} : { timezone: target.recipient.timezone }),
    });
    if (decision.action === 'suppress') {
      result.suppressed.push(suppression(rule, channel.type, ref, 'opted_out', decision.detail, notificationId));
      return;
    }
    if (decision.action === 'defer') {
      notBefore = decision.notBefore.toISOString();
      result.deferred.push({ notificationId, reason: 'quiet_hours', notBefore });
    }
  }
  const locale = target.recipient.locale ?? channel.locale;
  const options = channel.type === 'webhook' && (channel.secretRef !== undefined || channel.headers !== undefined)
    ? { ...(channel.secretRef === undefined ? {} : { secretRef: channel.secretRef }), ...(channel.headers === undefined ? {} : { headers: { ...channel.headers } }) }
    : undefined;
  const job: DeliveryJob = {
    notificationId,
    event: { id: event.id, source: event.source, type: event.type, ...(event.time === undefined ? {} : { time: event.time }) },
    tenant: facts.tenant,
    rule: { id: rule.id, version: rule.version },
    channel: channel.type,
    recipient: { ref, address },
    ...(channel.template === undefined ? {} : { template: { ref: channel.template } }),
    ...(locale === undefined ? {} : { locale }),
    priority: facts.priority,
    attempt: 1,
    ...(notBefore === undefined ? {} : { notBefore }),
    payload: event.data,
    ...(options === undefined ? {} : { options }),
    plannedAt: context.now.toISOString(),
    ...(context.producedAt === undefined ? {} : { producedAt: context.producedAt }),
  };
  result.jobs.push(job);
}

function suppression(rule: Rule, channel: ChannelName, recipientRef: string, reason: SuppressionReason, detail?: string, notificationId?: string): Suppression {
  return {
    rule: { id: rule.id, version: rule.version },
    channel,
    recipientRef,
    reason,
    ...(detail === undefined ? {} : { detail }),
    ...(notificationId === undefined ? {} : { notificationId }),
  };
}
