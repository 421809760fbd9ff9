import type { CloudEvent } from '@herald/core';
import type { RuleMatch } from '../rules/rule.js';
import { prepareDeliveries, type RecipientRef } from './plan-deliveries.js';

export type { RecipientRef };

/**
 * The recipient ids planning these matches will ask `resolveRecipient` for, so a
 * caller whose recipients live in a database can load the missing ones in one batch.
 * Failures are skipped here (planning reports them). A caller that plans next should
 * use `prepareDeliveries` instead, which evaluates `recipients` once for both steps.
 *
 * @example
 * const refs = recipientRefs(event, matches, { now });
 */
export function recipientRefs(
  event: CloudEvent,
  matches: readonly RuleMatch[],
  context: { readonly now: Date; readonly defaultTenant?: string },
): RecipientRef[] {
  return [...prepareDeliveries(event, matches, context).refs];
}
