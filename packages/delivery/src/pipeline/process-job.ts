import {
  HeraldError,
  type DeliveryJob,
  type ProviderResponse,
  type RenderedContent,
} from '@herald/core';
import type { AcquireResult } from '../idempotency-store.js';
import { nextRetry } from '../retry-policy.js';
import { failureClassOf } from './failure-class.js';
import { isHeld, type Leases, type SentMark } from './leases.js';
import { chooseProvider } from './provider-choice.js';
import type { Outputs } from './outputs.js';
import { workflowStep } from './workflow-steps.js';
import type {
  ConsumedRecord,
  DeliveryMetric,
  OutputMessage,
  PipelineDeps,
  RenderPort,
} from './ports.js';

const MAX_HISTORY = 50;
/** A job another handling in this process is sending waits a second, then finds it sent (or not). */
const BUSY_IN_PROCESS_MS = 1_000;
/** The status reason of a job whose address a provider marked invalid (router's too). */
const ADDRESS_INVALID = 'address_invalid';
/** No legacy `sending` record (the default): shared, so a send allocates none for it. */
const NO_SENDING: readonly OutputMessage[] = [];

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
  const { status, delayed, deadLetter, attemptRecord, fallbackCheck } = outputs;

  return async function processJob(
    record: ConsumedRecord,
    job: DeliveryJob,
    signal: AbortSignal,
    lease: AcquireResult | undefined,
    marks: SentMark[],
  ): Promise<OutputMessage[]> {
    if (!deps.idempotency || job.digest !== undefined)
      return attempt(record, job, signal, lease, marks);
    if (!leases.enter(job.notificationId)) {
      const at = deps.now().getTime() + BUSY_IN_PROCESS_MS + Math.round(500 * deps.random());
      return delayed(job, at, record);
    }
    try {
      return await attempt(record, job, signal, lease, marks);
    } finally {
      leases.exit(job.notificationId);
    }
  };

  async function attempt(
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
    // A digest item is collected, not sent: it needs no send lease (collecting is idempotent).
    if (job.digest !== undefined) {
      const ended = await workflowStep(deps, outputs, record, job);
      if (ended) return ended;
    }
    if (idem) {
      // Taken by `prepare` for all but a job's later copies in the chunk: no await then.
      const mark = lease ?? (await leases.leaseOf(record, job, marks));
      if (mark.status === 'sent') {
        // Sent before a crash, rebalance or duplicate: re-publish the same `sent` status.
        const summary = JSON.parse(mark.summary) as {
          attempt: number;
          provider?: ProviderResponse;
          startedAt?: string;
        };
        return [
          status(
            { ...job, attempt: summary.attempt },
            'sent',
            {
              ...(summary.provider ? { provider: summary.provider } : {}),
              ...(summary.startedAt ? { attemptStartedAt: summary.startedAt } : {}),
            },
            record,
          ),
          ...fallbackCheck(job, record),
        ];
      }
      if (mark.status === 'busy') return delayed(job, nowMs + mark.retryInMs + jitter(500), record);
    }
    const release = () => idem?.release(job.notificationId, owner);
    // Decided under the send lease, once per attempt: a cancel racing this send has one winner.
    if (job.cancelKey !== undefined && job.digest === undefined) {
      let ended: OutputMessage[] | undefined;
      try {
        ended = await workflowStep(deps, outputs, record, job);
      } catch (err) {
        await Promise.resolve(release()).catch(() => undefined);
        throw err;
      }
      if (ended) {
        await release();
        return ended;
      }
    }
    // A fallback that waited for the first channel's receipt: not needed if it came.
    if (job.unlessDelivered !== undefined && deps.receipts !== undefined) {
      let delivered: boolean;
      try {
        delivered = await deps.receipts.wasDelivered(job.unlessDelivered);
      } catch (err) {
        await Promise.resolve(release()).catch(() => undefined);
        throw err;
      }
      if (delivered) {
        await release();
        return [
          status(
            job,
            'suppressed',
            {
              reason: `fallback_not_needed: ${job.unlessDelivered} was delivered`,
              fallbackOf: job.unlessDelivered,
            },
            record,
          ),
        ];
      }
    }
    let providerName = provider.name;
    const history = job.history ?? [];
    const record1 = (
      outcome: DeliveryMetric['outcome'],
      failureClass: DeliveryMetric['failureClass'],
      durationSeconds?: number,
    ) =>
      deps.metrics?.recordDelivery({
        channel: job.channel,
        provider: providerName,
        outcome,
        failureClass,
        ...(durationSeconds === undefined ? {} : { durationSeconds }),
        eventTime: new Date(job.producedAt ?? job.event.time ?? job.plannedAt),
        now: deps.now(),
      });
    // Checked here too, not only by the router: a job planned before its address was
    // marked (or to an inline address the router cannot look up) is not sent.
    // Answered from the cache, without a promise, for all but the first job to an address.
    const checked = deps.addressStates?.invalid(job);
    const gone = checked instanceof Promise ? await checked : checked;
    if (gone !== undefined) {
      await release();
      record1('suppressed', 'invalid_request');
      const detail = { name: gone.provider, message: gone.reason };
      return [status(job, 'suppressed', { reason: ADDRESS_INVALID, provider: detail }, record)];
    }
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
        const checking = deps.rateLimiter.check(job, provider.name);
        const verdict = checking instanceof Promise ? await checking : checking;
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
      let pick = chooseProvider(deps.channels, deps.breakers, job);
      if (!('chosen' in pick)) {
        return await defer(pick.retryAt + jitter(1_000), `circuit open for ${pick.endpoints}`);
      }
      providerName = pick.chosen.name;
      // When the first try began; the job carries it on only when it goes on after this
      // attempt (a retry, a dead letter), so a sent job is not copied for it.
      const startedAt = deps.now();
      const firstTry = job.firstAttemptAt === undefined ? startedAt : undefined;
      const started = performance.now();
      // The outcome says when the try began (attemptStartedAt). The legacy `sending`
      // record says it too, so it is published only when asked for: in front of the
      // outcome, in the same produce, it never showed a send in progress.
      const attemptStartedAt = startedAt.toISOString();
      const sending = deps.sendingStatus
        ? [status(job, 'sending', { provider: { name: providerName } }, record, startedAt)]
        : NO_SENDING;
      const send = (span?: { setAttribute(name: string, value: string): void }) => {
        const sent = deps.channels.send(job, content, signal, providerName);
        return span === undefined
          ? sent
          : sent.then((result) => {
              span.setAttribute('herald.outcome', result.status);
              return result;
            });
      };
      let outcome: Awaited<ReturnType<typeof send>>;
      // Provider failover: a transient failure moves on to the next provider whose
      // breaker lets a request through, within the same attempt.
      for (;;) {
        outcome = deps.tracing
          ? await deps.tracing.span(
              `${providerName} send`,
              { 'herald.channel': job.channel, 'herald.provider': providerName },
              send,
            )
          : await send();
        pick.chosen.breaker.record(
          outcome.status === 'sent' || outcome.permanent,
          pick.chosen.probe,
        );
        if (outcome.status === 'sent' || outcome.permanent) break;
        const next = chooseProvider(deps.channels, deps.breakers, job, pick.index + 1);
        if (!('chosen' in next)) break;
        log.info(
          {
            notificationId: job.notificationId,
            from: providerName,
            to: next.chosen.name,
            reason: outcome.reason,
          },
          'transient failure; failing over to the next provider',
        );
        pick = next;
        providerName = next.chosen.name;
      }
      const seconds = (performance.now() - started) / 1000;
      if (outcome.status === 'sent') {
        record1('sent', 'none', seconds);
        const used = { ...outcome.provider, name: providerName };
        // Written now, not when the chunk ends: a worker killed later in the chunk must
        // not leave this send to be repeated by the next owner (leases.ts, markSent).
        if (idem)
          await leases.markSent(marks, {
            notificationId: job.notificationId,
            summary: JSON.stringify({
              attempt: job.attempt,
              provider: used,
              startedAt: attemptStartedAt,
            }),
          });
        return [
          ...sending,
          status(job, 'sent', { provider: used, attemptStartedAt }, record),
          ...fallbackCheck(job, record),
        ];
      }
      await release();
      const attemptJob: DeliveryJob =
        firstTry === undefined ? job : { ...job, firstAttemptAt: firstTry.toISOString() };
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
      const response = { ...outcome.provider, name: providerName };
      const providerDetail = response ? { provider: response } : {};
      // This attempt's dead letter; its status says when the attempt began.
      const dead = (kind: 'permanent' | 'exhausted', reason: string) =>
        deadLetter(record, kind, reason, attemptJob, attempts, response, attemptStartedAt);
      const failureClass = failureClassOf(outcome);
      if (outcome.permanent) {
        if (outcome.addressInvalid)
          await deps.addressStates?.markInvalid(job, {
            reason: outcome.reason,
            provider: provider.name,
          });
        record1('dead_lettered', failureClass, seconds);
        log.info(
          { notificationId: job.notificationId, reason: outcome.reason },
          'permanent failure',
        );
        return [...sending, ...dead('permanent', outcome.reason)];
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
        return [...sending, ...dead('exhausted', reason)];
      }
      record1('retrying', failureClass, seconds);
      const next: DeliveryJob = { ...attemptJob, attempt: decision.nextAttempt, history: attempts };
      return [
        ...sending,
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
              attemptStartedAt,
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
  }
}
