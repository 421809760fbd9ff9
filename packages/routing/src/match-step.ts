import type { Logger } from '@herald/core';
import { suppressMatch, tenantFor, type RuleSet } from '@herald/rules';
import type { RoutingMetrics } from './ports.js';
import type { Routed } from './routed.js';

/**
 * Matches each item against the rule set and records each match's tenant. A duplicate
 * event (its id claimed by another record) keeps no match: each becomes a
 * `duplicate_event` suppression, so the drop is visible per candidate.
 */
export function matchItems(
  items: readonly Routed[],
  ruleSet: RuleSet,
  at: Date,
  context: {
    readonly defaultTenant: string;
    readonly metrics: RoutingMetrics;
    readonly log: Logger;
  },
): void {
  for (const item of items) {
    item.matches = ruleSet.match(item.event, at);
    for (const m of item.matches) context.metrics.matched(m.rule.id);
    item.tenants = new Map(
      item.matches.map((m) => [m.rule.id, tenantFor(item.event, m.rule, context.defaultTenant)]),
    );
    if (!item.duplicate) continue;
    context.log.info(
      { eventId: item.event.id, source: item.event.source, reason: 'duplicate_event' },
      'event already routed within the dedupe window',
    );
    item.dropped = item.matches.flatMap((m) =>
      suppressMatch(m, 'duplicate_event', 'event id seen within the dedupe window'),
    );
    item.matches = [];
  }
}
