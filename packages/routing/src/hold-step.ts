import type { DeliveryJob } from '@herald/core';
import {
  encodeMark,
  eventLabels,
  inhibitingEvent,
  inhibitionLookups,
  inhibitionMarks,
  silenceFor,
  type InhibitRule,
  type PlanResult,
  type Silence,
  type Suppression,
} from '@herald/rules';
import type { InhibitionPort, SilenceSource } from './ports.js';
import type { Routed } from './routed.js';

/**
 * Silences and inhibition (docs/rules.md), after planning: every planned job of an
 * event that an active silence matches becomes a `silenced` suppression with the
 * silence's id; else, of an event inhibited by an active source event with equal
 * labels, an `inhibited` one with that event's id. Inhibition marks are written first
 * (one pipeline), then read (one pipeline), so a source event inhibits targets in its
 * own chunk too. Labels: the event's attributes plus `tenant`, the job's tenant.
 */
export async function holdBack(
  items: readonly Routed[],
  plans: readonly PlanResult[],
  at: Date,
  context: {
    readonly inhibitions: readonly InhibitRule[];
    readonly silences: SilenceSource | undefined;
    readonly inhibition: InhibitionPort | undefined;
    readonly defaultTenant: string;
    readonly keyPrefix: string;
  },
): Promise<PlanResult[]> {
  const silences = context.silences?.current ?? [];
  const rules = context.inhibition === undefined ? [] : context.inhibitions;
  if (silences.length === 0 && rules.length === 0) return [...plans];
  const tenantOf = (item: Routed) =>
    typeof item.event.tenantid === 'string' && item.event.tenantid !== ''
      ? item.event.tenantid
      : context.defaultTenant;

  let inhibitedBy: (string | undefined)[] = items.map(() => undefined);
  if (rules.length > 0) {
    const marks = items.flatMap((item) =>
      item.duplicate
        ? []
        : inhibitionMarks(
            rules,
            item.event,
            tenantOf(item),
            eventLabels(item.event, tenantOf(item)),
            at,
          ),
    );
    await context.inhibition!.mark(
      marks.map((m) => ({ key: context.keyPrefix + m.key, value: encodeMark(m), ttlMs: m.ttlMs })),
    );
    const lookups = items.map((item, n) =>
      plans[n]!.jobs.length === 0
        ? []
        : inhibitionLookups(rules, tenantOf(item), eventLabels(item.event, tenantOf(item))),
    );
    const values = await context.inhibition!.read(
      lookups.flat().map((l) => context.keyPrefix + l.key),
    );
    let offset = 0;
    inhibitedBy = items.map((item, n) => {
      const mine = values.slice(offset, offset + lookups[n]!.length);
      offset += lookups[n]!.length;
      return inhibitingEvent(mine, item.event.id, at);
    });
  }

  return plans.map((plan, n) => {
    if (plan.jobs.length === 0) return plan;
    const item = items[n]!;
    const labelsByTenant = new Map<string, Record<string, string>>();
    const jobs: DeliveryJob[] = [];
    const held: Suppression[] = [];
    for (const job of plan.jobs) {
      let labels = labelsByTenant.get(job.tenant);
      if (labels === undefined) {
        labels = eventLabels(item.event, job.tenant);
        labelsByTenant.set(job.tenant, labels);
      }
      const silence: Silence | undefined = silenceFor(silences, labels, at);
      const by = inhibitedBy[n];
      if (silence === undefined && by === undefined) {
        jobs.push(job);
        continue;
      }
      held.push({
        rule: job.rule,
        channel: job.channel,
        recipientRef: job.recipient.ref,
        notificationId: job.notificationId,
        ...(silence !== undefined
          ? { reason: 'silenced', detail: silence.id, silenceId: silence.id }
          : { reason: 'inhibited', detail: by, inhibitedBy: by }),
      });
    }
    if (held.length === 0) return plan;
    const kept = new Set(jobs.map((j) => j.notificationId));
    return {
      ...plan,
      jobs,
      deferred: plan.deferred.filter((d) => kept.has(d.notificationId)),
      suppressed: [...plan.suppressed, ...held],
    };
  });
}
