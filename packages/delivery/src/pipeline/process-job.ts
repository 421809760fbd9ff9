import {
  HeraldError,
  type DeliveryJob,
  type ProviderResponse,
  type RenderedContent,
} from '@herald/core';
import { endpointOf } from '../circuit-breaker.js';
import type { AcquireResult } from '../idempotency-store.js';
import { nextRetry } from '../retry-policy.js';
import { failureClassOf } from './failure-class.js';
import { isHeld, type Leases, type SentMark } from './leases.js';
import type { Outputs } from './outputs.js';
import type {
  ConsumedRecord,
  DeliveryMetric,
  OutputMessage,
  PipelineDeps,
  RenderPort,
} from './ports.js';

const MAX_HISTORY = 50;

/** A failed render, or the one a worker without a template store gives every templated job. */
function renderOf(deps: Pick<PipelineDeps, 'render'>, job: DeliveryJob): ReturnType<RenderPort> {
  if (deps.render) return deps.render(job);
  return {
    status: 'failed',
    permanent: true,
    failureClass: 'invalid_request',
    reason: new HeraldError('HERALD_ERR_TEMPLATE_NOT_FOUND', [
      job.template!.ref,
      job.channel,
      job.locale ?? 'default',
      'nothing: this worker has no template store, set DATABASE_URL',
    ]).message,
  };
}

/**
 * One delivery attempt of one decoded job: wait (delay lane) → idempotency lease → render
 * → rate limit → circuit breaker → send → sent mark / retry lane / dead letter, each
 * with its status event. Returns the job's output messages; throws only what its ports
 * threw (a DependencyError when Redis is down), after releasing its lease.
 */
export function createJobProcessor(deps: PipelineDeps, outputs: Outputs, leases: Leases) {
  const { log } = deps;
  const { status, delayed, deadLetter, attemptRecord } = outputs;

  return async function processJob(
    record: ConsumedRecord,
    job: DeliveryJob,
    signal: AbortSignal,
    lease: AcquireResult | undefined,
    marks: SentMark[],
  ): Promise<OutputMessage[]> {
    const nowMs = deps.now().getTime();
    const jitter = (ms: number) => Math.round(ms * deps.random());
    if (isHeld(job, nowMs)) return delayed(job, Date.parse(job.notBefore!), record);
    const provider = deps.channels.providerFor(job);
    if (!provider) {
      const reason = `no provider for channel ${job.channel} in this worker`;
      return deadLetter(record, 'permanent', reason, job, [
        ...(job.history ?? []),
        attemptRecord(job, 'permanent', reason),
      ]);
    }
    const owner = leases.ownerOf(record);
    const idem = deps.idempotency;
    if (idem) {
      const mark = await leases.leaseOf(record, job, lease, marks);
      if (mark.status === 'sent') {
        // Sent before a crash, rebalance or duplicate: re-publish the same `sent` status.
        const summary = JSON.parse(mark.summary) as {
          attempt: number;
          provider?: ProviderResponse;
        };
        return [
          status(
            { ...job, attempt: summary.attempt },
            'sent',
            summary.provider ? { provider: summary.provider } : {},
            record,
          ),
        ];
      }
      if (mark.status === 'busy') return delayed(job, nowMs + mark.retryInMs + jitter(500), record);
    }
    const release = () => idem?.release(job.notificationId, owner);
    const history = job.history ?? [];
    const record1 = (
      outcome: DeliveryMetric['outcome'],
      failureClass: DeliveryMetric['failureClass'],
      durationSeconds?: number,
    ) =>
      deps.metrics?.recordDelivery({
        channel: job.channel,
        provider: provider.name,
        outcome,
        failureClass,
        ...(durationSeconds === undefined ? {} : { durationSeconds }),
        eventTime: new Date(job.producedAt ?? job.event.time ?? job.plannedAt),
        now: deps.now(),
      });
    let content: RenderedContent | undefined;
    if (job.template !== undefined) {
      const rendered = renderOf(deps, job);
      if (rendered.status === 'failed') {
        await release();
        record1('dead_lettered', 'invalid_request');
        return deadLetter(record, 'permanent', rendered.reason, job, [
          ...history,
          attemptRecord(job, 'permanent', rendered.reason),
        ]);
      }
      content = rendered.content;
    }
    const defer = async (until: number, reason: string): Promise<OutputMessage[]> => {
      await release();
      // A job deferred again (rate limit, open circuit) replaces its previous deferral
      // instead of adding one: a job paced for hours would otherwise grow to MAX_HISTORY
      // entries, and a lane's output batch past the broker's message size limit.
      const previous = history.at(-1)?.outcome === 'deferred' ? history.slice(0, -1) : history;
      const next = {
        ...job,
        history: [...previous, attemptRecord(job, 'deferred', reason)].slice(-MAX_HISTORY),
      };
      return delayed(
        next,
        until,
        record,
        status(job, 'deferred', { reason, notBefore: new Date(until).toISOString() }, record),
      );
    };
    try {
      if (deps.rateLimiter) {
        const verdict = await deps.rateLimiter.check(job, provider.name);
        deps.metrics?.rateLimitDecision(
          job.channel,
          verdict.action === 'allow' ? (verdict.bypassed ? 'bypassed' : 'allowed') : 'deferred',
        );
        if (verdict.action === 'defer') return await defer(verdict.until, verdict.reason);
        if (verdict.action === 'drop') {
          record1('suppressed', 'rate_limited');
          await release();
          return [status(job, 'suppressed', { reason: verdict.reason }, record)];
        }
      }
      const endpoint = endpointOf(provider.name, job.recipient.address);
      const breaker = deps.breakers.for(endpoint);
      const allowed = breaker.allow();
      if (!allowed.allowed) {
        return await defer(allowed.retryAt + jitter(1_000), `circuit open for ${endpoint}`);
      }
      const attemptJob: DeliveryJob = job.firstAttemptAt
        ? job
        : { ...job, firstAttemptAt: deps.now().toISOString() };
      const started = performance.now();
      // Published with the outcome (one produce per chunk, not one more per send), in
      // front of it on the notification's partition; occurredAt says when the try began.
      const sending = status(job, 'sending', {}, record, deps.now());
      const send = async (span?: { setAttribute(name: string, value: string): void }) => {
        const result = await deps.channels.send(attemptJob, content, signal);
        span?.setAttribute('herald.outcome', result.status);
        return result;
      };
      const outcome = deps.tracing
        ? await deps.tracing.span(
            `${provider.name} send`,
            { 'herald.channel': job.channel, 'herald.provider': provider.name },
            send,
          )
        : await send();
      const seconds = (performance.now() - started) / 1000;
      breaker.record(outcome.status === 'sent' || outcome.permanent, allowed.probe);
      if (outcome.status === 'sent') {
        record1('sent', 'none', seconds);
        // The chunk's marks are written together once its jobs are done (finish).
        if (idem)
          marks.push({
            notificationId: job.notificationId,
            summary: JSON.stringify({ attempt: job.attempt, provider: outcome.provider }),
          });
        return [sending, status(job, 'sent', { provider: outcome.provider }, record)];
      }
      await release();
      const attempts = [
        ...history,
        attemptRecord(
          job,
          outcome.permanent ? 'permanent' : 'transient',
          outcome.reason,
          outcome.provider?.statusCode,
        ),
      ].slice(-MAX_HISTORY);
      // The provider's answer (status code, start of the body) travels with the failure.
      const response = outcome.provider ? { name: provider.name, ...outcome.provider } : undefined;
      const providerDetail = response ? { provider: response } : {};
      const failureClass = failureClassOf(outcome);
      if (outcome.permanent) {
        record1('dead_lettered', failureClass, seconds);
        log.info(
          { notificationId: job.notificationId, reason: outcome.reason },
          'permanent failure',
        );
        return [
          sending,
          ...deadLetter(record, 'permanent', outcome.reason, attemptJob, attempts, response),
        ];
      }
      const policy = deps.retryPolicies[job.channel];
      const base = job.replay?.fromAttempt ?? 0;
      // The backoff counts from when the failure was seen, not from when the job was
      // picked up: a slow send must not leave `notBefore` behind the `retrying` status.
      const failedAtMs = deps.now().getTime();
      const decision = nextRetry(
        policy,
        {
          attempt: job.attempt,
          attemptBase: base,
          firstAttemptAt: Date.parse(attemptJob.firstAttemptAt!),
          ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
        },
        failedAtMs,
        deps.random,
      );
      if (decision.action === 'exhausted') {
        record1('dead_lettered', failureClass, seconds);
        const reason = `retries exhausted (${decision.reason}); last: ${outcome.reason}`;
        return [
          sending,
          ...deadLetter(record, 'exhausted', reason, attemptJob, attempts, response),
        ];
      }
      record1('retrying', failureClass, seconds);
      const next: DeliveryJob = { ...attemptJob, attempt: decision.nextAttempt, history: attempts };
      return [
        sending,
        ...delayed(
          next,
          decision.at,
          record,
          status(
            job,
            'retrying',
            {
              reason: outcome.reason,
              retryable: true,
              maxAttempts: base + policy.maxAttempts,
              notBefore: new Date(decision.at).toISOString(),
              ...providerDetail,
            },
            record,
            new Date(failedAtMs),
          ),
        ),
      ];
    } catch (err) {
      await Promise.resolve(release()).catch(() => undefined);
      throw err;
    }
  };
}
