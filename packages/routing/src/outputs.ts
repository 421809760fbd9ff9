import {
  deliveryKey,
  deliveryTopicFor,
  deterministicId,
  statusEventFor,
  statusEventFromData,
  statusMessage,
  type Logger,
  type OutputMessage,
  type StatusEvent,
  type TopicNames,
} from '@herald/core';
import type { PlanResult, Suppression } from '@herald/rules';
import type { RoutingMetrics } from './ports.js';
import type { Routed } from './routed.js';

/** The `source` of every status the router publishes. */
export const ROUTER_SOURCE = 'herald/router';

export interface OutputContext {
  readonly topics: TopicNames;
  readonly defaultTenant: string;
  readonly metrics: RoutingMetrics;
  readonly log: Logger;
}

/**
 * One event's outputs: per planned job, the job on its channel's topic (keyed by
 * recipient) and a `queued` status — or `deferred` (quiet hours, with `notBefore`);
 * per candidate not planned, a `suppressed` status with its reason.
 */
export function eventOutputs(
  item: Routed,
  plan: PlanResult,
  at: Date,
  context: OutputContext,
): OutputMessage[] {
  const { event } = item;
  const { topics, metrics } = context;
  const outputs: OutputMessage[] = [];
  const deferred = new Map(plan.deferred.map((d) => [d.notificationId, d]));
  for (const job of plan.jobs) {
    metrics.planned(job.channel);
    outputs.push({
      // critical and high jobs travel on the channel's priority lane.
      topic: deliveryTopicFor(topics, job),
      key: deliveryKey(job),
      value: Buffer.from(JSON.stringify(job)),
      ...(item.headers ? { headers: item.headers } : {}),
    });
    const deferral = deferred.get(job.notificationId);
    if (deferral !== undefined) metrics.deferred(job.channel, deferral.reason);
    outputs.push(
      statusOutput(
        deferral === undefined
          ? statusEventFor(job, 'queued', ROUTER_SOURCE, at)
          : statusEventFor(job, 'deferred', ROUTER_SOURCE, at, {
              reason: deferral.reason,
              notBefore: deferral.notBefore,
            }),
        item,
        topics,
      ),
    );
  }
  const suppressed = [...item.dropped, ...plan.suppressed];
  for (const s of suppressed) outputs.push(suppressedStatus(item, s, at, context));
  if (plan.jobs.length === 0 && suppressed.length === 0)
    context.log.debug({ eventId: event.id, type: event.type }, 'no rule matched');
  return outputs;
}

function statusOutput(status: StatusEvent, item: Routed, topics: TopicNames): OutputMessage {
  return { topic: topics.status, ...statusMessage(status, item.headers) };
}

/** A `suppressed` status for a candidate that has no job (attempt 1, as a job's would be). */
function suppressedStatus(
  item: Routed,
  s: Suppression,
  at: Date,
  context: OutputContext,
): OutputMessage {
  const { event } = item;
  const status = statusEventFromData(
    {
      notificationId:
        s.notificationId ??
        (s.reason === 'duplicate_event'
          ? deterministicId(event.id, s.rule.id, s.recipientRef, s.channel, s.reason)
          : deterministicId(event.id, s.rule.id, s.recipientRef, s.channel)),
      state: 'suppressed',
      // A refusal with a registry code (an invalid address) records the code and what
      // is wrong, and says it is final; other suppressions are a plain reason.
      ...(s.code === undefined
        ? {
            reason:
              s.silenceId === undefined && s.inhibitedBy === undefined
                ? s.reason
                : `${s.reason}: ${s.detail}`,
          }
        : { reason: `${s.reason}: ${s.detail ?? s.code}`, retryable: false }),
      // Silenced or inhibited: which silence, which event (the audit keeps them in `reason`).
      ...(s.silenceId === undefined ? {} : { silenceId: s.silenceId }),
      ...(s.inhibitedBy === undefined ? {} : { inhibitedBy: s.inhibitedBy }),
      tenant: item.tenants.get(s.rule.id) ?? context.defaultTenant,
      eventId: event.id,
      eventType: event.type,
      // Routed events always have a time (their own, else the Kafka timestamp).
      eventTime: event.time ?? item.producedAt,
      rule: s.rule,
      channel: s.channel,
      recipientRef: s.recipientRef,
      attempt: 1,
      occurredAt: at.toISOString(),
      producedAt: item.producedAt,
    },
    ROUTER_SOURCE,
  );
  context.metrics.suppressed(s.channel, s.reason);
  context.log.info(
    {
      eventId: event.id,
      rule: s.rule,
      channel: s.channel,
      recipient: s.recipientRef,
      reason: s.reason,
      detail: s.detail,
    },
    'delivery suppressed',
  );
  return statusOutput(status, item, context.topics);
}
