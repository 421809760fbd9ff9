import type { CloudEvent, DeliveryJob } from '@herald/core';
import type { PlanResult, RuleSet, Silence } from '@herald/rules';
import { withDatabase, type CommandContext } from './command-context.js';

/**
 * The part of `herald rules test` about what happens after planning: each job's
 * fallback chain, the inhibition rules the event would start (source) or be held by
 * (target: which labels must be equal), and — with the database, when silences are in
 * force or pending — the ones that would suppress its jobs now.
 */
export async function describeSteps(
  context: CommandContext,
  set: RuleSet,
  event: CloudEvent,
  plan: PlanResult,
  options: { readonly useDatabase: boolean; readonly now: Date; readonly defaultTenant: string },
): Promise<void> {
  const { eventLabels, silenceFor, formatMatcher, matchesAll } = await import('@herald/rules');
  const out = context.out;
  const withFallback = plan.jobs.filter((j) => j.fallback !== undefined);
  if (withFallback.length > 0) {
    out.write(`fallback (${withFallback.length}):\n`);
    for (const job of withFallback) out.write(fallbackLine(job));
  }
  const tenant =
    typeof event.tenantid === 'string' && event.tenantid !== ''
      ? event.tenantid
      : options.defaultTenant;
  const labels = eventLabels(event, tenant);
  if (set.inhibitions.length > 0) {
    out.write(`inhibition (${set.inhibitions.length} rule(s)):\n`);
    for (const rule of set.inhibitions) {
      const source = matchesAll(rule.source, labels);
      const target = matchesAll(rule.target, labels);
      const equal = rule.equal.map((l) => `${l}=${JSON.stringify(labels[l] ?? '')}`).join(', ');
      out.write(
        `  ${rule.id}: ${source ? `source: inhibits {${rule.target.map(formatMatcher).join(', ')}} with ${equal || 'any labels'} for ${rule.window}` : 'not a source'}; ${target ? `target: held while a {${rule.source.map(formatMatcher).join(', ')}} event with ${equal || 'any labels'} is active (${rule.window})` : 'not a target'}\n`,
      );
    }
  }
  if (!options.useDatabase || plan.jobs.length === 0) return;
  const { SilenceStore } = await import('@herald/store');
  const silences: Silence[] = await withDatabase(context, (db) =>
    new SilenceStore(db).current(options.now),
  );
  const hits = new Map<string, DeliveryJob[]>();
  for (const job of plan.jobs) {
    const silence = silenceFor(silences, eventLabels(event, job.tenant), options.now);
    if (silence !== undefined) hits.set(silence.id, [...(hits.get(silence.id) ?? []), job]);
  }
  if (silences.length === 0) return;
  out.write(`silences (${silences.length} in force or pending): `);
  if (hits.size === 0) out.write('none matches now\n');
  else {
    out.write('\n');
    for (const [id, jobs] of hits)
      out.write(
        `  ${id} silences ${jobs.length} job(s): ${jobs.map((j) => j.notificationId).join(', ')}\n`,
      );
  }
}

function fallbackLine(job: DeliveryJob): string {
  const plan = job.fallback!;
  const chain = plan.next.map((s) => `${s.channel} ${s.notificationId} (${s.recipient.ref})`);
  const when =
    plan.afterMs === undefined
      ? 'on a dead letter'
      : `on a dead letter, or when not delivered ${plan.afterMs} ms after it was sent`;
  return `  ${job.channel} ${job.notificationId} → ${chain.join(' → ')}, ${when}\n`;
}
