import type { CloudEvent } from '@herald/core';
import { celEvent, NO_RECIPIENT } from '../cel/cel-event.js';
import { compiledOf } from '../rules/compiled-rule.js';
import type { RuleMatch } from '../rules/rule.js';
import { tenantOf } from '../rules/rule-set.js';
import { readRecipients } from './recipient.js';

/** A recipient id that planning will look up with `resolveRecipient(ref, tenant)`. */
export interface RecipientRef {
  readonly tenant: string;
  readonly ref: string;
}

/**
 * The recipient ids planning these matches will ask `resolveRecipient` for, so a
 * caller whose recipients live in a database can load the missing ones in one batch
 * before calling the (synchronous) `planDeliveries`. Evaluates each fan-out rule's
 * `recipients` once; failures are skipped here (planning reports them).
 *
 * @example
 * const refs = recipientRefs(event, matches, { now });
 * await cache.load(refs);
 * const plan = planDeliveries(event, matches, { now, resolveRecipient: cache.get });
 */
export function recipientRefs(
  event: CloudEvent,
  matches: readonly RuleMatch[],
  context: { readonly now: Date; readonly defaultTenant?: string },
): RecipientRef[] {
  const refs: RecipientRef[] = [];
  const seen = new Set<string>();
  let eventValue: unknown;
  for (const match of matches) {
    const compiled = compiledOf(match.rule);
    if (compiled === undefined || !compiled.fansOut || compiled.recipients === undefined) continue;
    eventValue ??= celEvent(event);
    const value = compiled.recipients.evaluate({
      event: eventValue,
      recipient: NO_RECIPIENT,
      now: context.now,
    });
    if (!value.ok) continue;
    const tenant = tenantOf(event) ?? match.rule.tenant ?? context.defaultTenant ?? 'default';
    for (const entry of readRecipients(value.value)) {
      if (entry.kind !== 'ref') continue;
      const key = `${tenant}\u0000${entry.ref}`;
      if (seen.has(key)) continue;
      seen.add(key);
      refs.push({ tenant, ref: entry.ref });
    }
  }
  return refs;
}
