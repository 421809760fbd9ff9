import type { CloudEvent, DeliveryJob, Priority } from '@herald/core';
import type { Rule, RuleChannel } from '../rules/rule.js';
import type { WorkflowFields } from './workflow-plan.js';

/** Everything one planned job is made of, decided by planning before it is built. */
export interface JobParts {
  readonly notificationId: string;
  readonly event: CloudEvent;
  /** The event's id, source, type and time, shared by all the event's jobs. */
  readonly eventRef: DeliveryJob['event'];
  readonly plannedAt: string;
  readonly producedAt: string | undefined;
  readonly tenant: string;
  readonly rule: Rule;
  readonly channel: RuleChannel;
  readonly ref: string;
  readonly address: string;
  /** The recipient's locale; the channel's applies when the recipient has none. */
  readonly locale: string | undefined;
  readonly priority: Priority;
  readonly notBefore: string | undefined;
  readonly flow: Extract<WorkflowFields, { ok: true }>;
}

/**
 * The delivery job itself: optional fields only when set (the job is serialized as is,
 * so absent beats `undefined`), webhook options copied, and the ordering key the
 * channel's `ordering` asks for (one lane per notification, per subject, or per recipient).
 */
export function buildJob(parts: JobParts): DeliveryJob {
  const { rule, channel, event, ref, notificationId, flow } = parts;
  const job: DeliveryJob = {
    notificationId,
    event: parts.eventRef,
    tenant: parts.tenant,
    rule: { id: rule.id, version: rule.version },
    channel: channel.type,
    recipient: { ref, address: parts.address },
    priority: parts.priority,
    attempt: 1,
    payload: event.data,
    plannedAt: parts.plannedAt,
  };
  if (channel.template !== undefined) job.template = { ref: channel.template };
  const locale = parts.locale ?? channel.locale;
  if (locale !== undefined) job.locale = locale;
  if (parts.notBefore !== undefined) job.notBefore = parts.notBefore;
  if (
    channel.type === 'webhook' &&
    (channel.secretRef !== undefined || channel.headers !== undefined)
  ) {
    job.options = {};
    if (channel.secretRef !== undefined) job.options.secretRef = channel.secretRef;
    if (channel.headers !== undefined) job.options.headers = { ...channel.headers };
  }
  if (flow.digest !== undefined) job.digest = flow.digest;
  if (flow.cancelKey !== undefined) job.cancelKey = flow.cancelKey;
  if (parts.producedAt !== undefined) job.producedAt = parts.producedAt;
  if (channel.ordering === 'none') job.orderingKey = notificationId;
  // Joined, not a template literal: a join is one flat string, a template a rope, and one
  // rope in the job sends its JSON.stringify down V8's slow path (docs/benchmarks.md,
  // "Round 6 (issue 19): app CPU per delivery").
  else if (channel.ordering === 'subject')
    job.orderingKey = [ref, event.subject ?? `id:${event.id}`].join('\u0000');
  return job;
}
