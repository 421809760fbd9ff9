import { prepareDeliveries, type PlanResult } from '@herald/rules';
import type { RecipientDirectory } from './ports.js';
import type { Routed } from './routed.js';

/**
 * Plans every item's jobs. Planning resolves recipients synchronously, so each item's
 * `recipients` expressions are evaluated once (`prepareDeliveries`), the ids they name
 * are loaded in one batch, then the same evaluated values are planned.
 */
export async function planItems(
  items: readonly Routed[],
  at: Date,
  context: { readonly defaultTenant: string; readonly recipients: RecipientDirectory | undefined },
): Promise<PlanResult[]> {
  const { recipients, defaultTenant } = context;
  const prepared = items.map((item) =>
    prepareDeliveries(item.event, item.matches, {
      now: at,
      producedAt: item.producedAt,
      defaultTenant,
    }),
  );
  if (recipients === undefined) return prepared.map((p) => p.plan());
  await recipients.load(prepared.flatMap((p) => p.refs));
  const lookup = {
    resolveRecipient: (ref: string, tenant: string) => recipients.resolve(ref, tenant),
    tenantPreferences: (tenant: string) => recipients.tenantPreferences(tenant),
    topicMembers: (topic: string, tenant: string) => recipients.topicMembers?.(topic, tenant),
  };
  return prepared.map((p) => p.plan(lookup));
}
