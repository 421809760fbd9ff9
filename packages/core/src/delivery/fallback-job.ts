import type { DeliveryJob } from './delivery-job.js';

/**
 * The job that replaces `job` on its next fallback channel, or undefined when the job
 * has no fallback left. Attempt 1, its own template and address from the router's plan,
 * the rest of the chain (and its `afterMs`) carried on; `fallbackOf` links it to `job`.
 * With `unlessDelivered`, it is the "not delivered in time" check: sent only if `job`
 * was not delivered by then.
 *
 * @example
 * const next = fallbackJob(job, now); // on a dead letter
 * const check = fallbackJob(job, now, { unlessDelivered: true, notBefore }); // after a send
 */
export function fallbackJob(
  job: DeliveryJob,
  now: Date,
  options: { readonly unlessDelivered?: boolean; readonly notBefore?: string } = {},
): DeliveryJob | undefined {
  const plan = job.fallback;
  if (plan === undefined) return undefined;
  const [step, ...rest] = plan.next;
  if (step === undefined) return undefined;
  const next: DeliveryJob = {
    notificationId: step.notificationId,
    event: job.event,
    tenant: job.tenant,
    rule: job.rule,
    channel: step.channel,
    recipient: step.recipient,
    priority: job.priority,
    attempt: 1,
    payload: job.payload,
    plannedAt: now.toISOString(),
    fallbackOf: job.notificationId,
  };
  if (step.template !== undefined) next.template = step.template;
  if (step.locale !== undefined) next.locale = step.locale;
  if (job.timezone !== undefined) next.timezone = job.timezone;
  if (step.options !== undefined) next.options = step.options;
  if (step.orderingKey !== undefined) next.orderingKey = step.orderingKey;
  if (job.producedAt !== undefined) next.producedAt = job.producedAt;
  if (rest.length > 0)
    next.fallback = {
      next: rest,
      ...(plan.afterMs === undefined ? {} : { afterMs: plan.afterMs }),
    };
  if (options.unlessDelivered === true) next.unlessDelivered = job.notificationId;
  if (options.notBefore !== undefined) next.notBefore = options.notBefore;
  return next;
}
