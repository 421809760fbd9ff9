import type { CloudEvent, DeliveryJob } from '@herald/core';
import type { PlanResult, RuleSet } from '@herald/rules';

/**
 * What `herald rules test` adds for digests, delays and cancellation (issue 16): per
 * job, whether it would be collected (key, window or due time, max, template) or wait,
 * and which key cancels it; and the cancellations the event itself would cause.
 */
export async function writeWorkflow(
  out: NodeJS.WritableStream,
  set: RuleSet,
  event: CloudEvent,
  plan: PlanResult,
  now: Date,
): Promise<void> {
  const { cancellationsFor } = await import('@herald/rules');
  const lines: string[] = [];
  for (const job of plan.jobs) lines.push(...jobLines(job));
  const { cancellations, errors } = cancellationsFor(set, event, now);
  for (const c of cancellations)
    lines.push(
      `  cancels: pending notifications with key ${JSON.stringify(c.key)} in tenant ${c.tenant} (rule ${c.ruleId})`,
    );
  for (const e of errors) lines.push(`  ! ${e.ruleId} ${e.field}: ${e.reason} (no cancel)`);
  if (lines.length === 0) return;
  out.write(`workflow:\n${lines.join('\n')}\n`);
}

function jobLines(job: DeliveryJob): string[] {
  const who = `  ${job.rule.id} ${job.channel} ${job.recipient.ref}`;
  const lines: string[] = [];
  if (job.digest !== undefined) {
    const d = job.digest;
    const closes =
      d.dueAt !== undefined
        ? `due at ${d.dueAt}`
        : `window ${d.windowMs} ms from the digest's first item`;
    lines.push(
      `${who}: collected into a digest, key ${JSON.stringify(d.key)}, ${closes}${d.max === undefined ? '' : `, or at ${d.max} items`}; sent as one message with template ${d.template}`,
    );
  }
  if (job.notBefore !== undefined) lines.push(`${who}: waits until ${job.notBefore}`);
  if (job.cancelKey !== undefined)
    lines.push(`${who}: cancellable with key ${JSON.stringify(job.cancelKey)}`);
  return lines;
}
