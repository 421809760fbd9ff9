import type { Logger } from '@herald/core';
import { cancellationsFor, type RuleSet } from '@herald/rules';
import type { CancelMarks } from './ports.js';
import type { Routed } from './routed.js';

/**
 * Writes the cancel marks the chunk's events ask for (rules' `cancel.on`, issue 16)
 * before any output is produced, so a cancel is durable before its event's offset is
 * committed. Every event counts, duplicates too: marking a key again is harmless. A
 * router without a mark store logs each cancellation it cannot record.
 */
export async function writeCancellations(
  items: readonly Routed[],
  ruleSet: RuleSet,
  at: Date,
  context: {
    readonly defaultTenant: string;
    readonly cancels: CancelMarks | undefined;
    readonly log: Logger;
  },
): Promise<void> {
  if (!ruleSet.rules.some((r) => r.cancel !== undefined)) return;
  const marks: { tenant: string; key: string; eventId: string; at: Date }[] = [];
  for (const item of items) {
    const { cancellations, errors } = cancellationsFor(
      ruleSet,
      item.event,
      at,
      context.defaultTenant,
    );
    for (const e of errors) context.log.debug({ ...e }, 'cancel expression failed: no cancel');
    for (const c of cancellations)
      marks.push({ tenant: c.tenant, key: c.key, eventId: item.event.id, at });
  }
  if (marks.length === 0) return;
  if (context.cancels === undefined) {
    context.log.warn(
      { cancellations: marks.length },
      'events cancel notifications but the router has no DATABASE_URL: cancellations not recorded',
    );
    return;
  }
  await context.cancels.markMany(marks);
}
