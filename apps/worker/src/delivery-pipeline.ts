import {
  delayTierFor,
  deliveryKey,
  encodeDeliveryJob,
  decodeDeliveryJob,
  statusEventFor,
  statusMessage,
  HeraldError,
  sleep,
  type ChannelName,
  type DeliveryJob,
  type DeliveryOutcome,
  type Logger,
  type RenderedContent,
  type NotificationState,
  type ProviderResponse,
  type StatusDetails,
  type TopicNames,
} from '@herald/core';
import {
  deadLetterHeaders,
  DependencyError,
  encodeDeadLetter,
  endpointOf,
  fitDeadLetter,
  nextRetry,
  type AcquireResult,
  type AttemptRecord,
  type BreakerRegistry,
  type DeadLetter,
  type DeadLetterKind,
  type IdempotencyStore,
  type RetryPolicy,
} from '@herald/delivery';
import { checkRecordSize, type ConsumedRecord, type OutputMessage } from '@herald/kafka';
import {
  injectTraceContext,
  traceSpan,
  type FailureClass,
  type HeraldMetrics,
} from '@herald/telemetry';

/** What the rate limiter says about one job (the port the worker owns). */
export type RateVerdict =
  | { readonly action: 'allow'; readonly bypassed?: boolean }
  | { readonly action: 'defer'; readonly until: number; readonly reason: string }
  | { readonly action: 'drop'; readonly reason: string };

export interface RateLimitPort {
  check(job: DeliveryJob, providerName: string): Promise<RateVerdict>;
}

/** The providers of the channels served (a `ChannelRouter` from `@herald/channels`). */
export interface SendPort {
  providerFor(job: DeliveryJob): { readonly name: string } | undefined;
  send(
    job: DeliveryJob,
    content: RenderedContent | undefined,
    signal: AbortSignal,
  ): Promise<DeliveryOutcome>;
}

/** Renders a job's template (`renderForJob` over the live registry); failures are permanent. */
export type RenderPort = (
  job: DeliveryJob,
) =>
  | { readonly status: 'rendered'; readonly content: RenderedContent | undefined }
  | Extract<DeliveryOutcome, { status: 'failed' }>;

export interface PipelineDeps {
  readonly topics: TopicNames;
  readonly channels: SendPort;
  /** Absent when the worker has no template source (no DATABASE_URL). */
  readonly render?: RenderPort;
  readonly metrics?: HeraldMetrics;
  readonly retryPolicies: Readonly<Record<ChannelName, RetryPolicy>>;
  readonly breakers: BreakerRegistry;
  readonly idempotency?: IdempotencyStore;
  readonly rateLimiter?: RateLimitPort;
  readonly instanceId: string;
  /** Tries before a record that crashes the handler is dead-lettered. */
  readonly poisonMaxTries: number;
  /** The largest record the worker may produce (HERALD_KAFKA_MAX_RECORD_BYTES). */
  readonly maxRecordBytes: number;
  readonly log: Logger;
  readonly now: () => Date;
  readonly random: () => number;
}

const SOURCE = 'herald/worker';
/** A job due within this is sent now rather than parked in a delay lane. */
const HOLD_SLACK_MS = 100;
const MAX_HISTORY = 50;
/** Tries to write a chunk's sent marks before giving up with a warning. */
const MARK_ATTEMPTS = 3;

/** The metrics label of a failed send (a closed list: see docs/observability.md). */
export function failureClassOf(
  outcome: Extract<DeliveryOutcome, { status: 'failed' }>,
): FailureClass {
  // Classified by the provider where the failure happened, never from the reason's text.
  return outcome.failureClass;
}

/**
 * The trace headers of an output: the active span's context (the worker's `process`
 * span when tracing is on), else the record's own `traceparent` passed on.
 */
function traceHeaders(record: ConsumedRecord): Record<string, string> {
  const headers = injectTraceContext<Record<string, string>>({});
  if (headers.traceparent === undefined) {
    const incoming = record.headers.traceparent?.toString();
    if (incoming) headers.traceparent = incoming;
  }
  return headers;
}

/**
 * One delivery attempt per record: wait (delay lane) → idempotency lease → rate
 * limit → circuit breaker → send → sent mark / retry lane / dead letter, each with its
 * status event. Returns the record's output messages; throws only a DependencyError
 * (Redis down), or a crash the poison counter has not yet given up on.
 */
export function createDeliveryPipeline(deps: PipelineDeps) {
  const { topics, log } = deps;
  const crashes = new Map<string, number>();

  function status(
    job: DeliveryJob,
    state: NotificationState,
    details: StatusDetails,
    record: ConsumedRecord,
    at?: Date,
  ): OutputMessage {
    const event = statusEventFor(job, state, SOURCE, at ?? deps.now(), details);
    return { topic: topics.status, ...statusMessage(event, traceHeaders(record)) };
  }

  /**
   * The job parked in a delay lane until `at`, with `then` (its status) — or, when the
   * job with its grown history no longer fits a record, dead-lettered instead
   * (`HERALD_ERR_JOB_TOO_LARGE`): the broker would refuse it on every try.
   */
  function delayed(
    job: DeliveryJob,
    at: number,
    record: ConsumedRecord,
    ...then: OutputMessage[]
  ): OutputMessage[] {
    const tier = delayTierFor(at - deps.now().getTime());
    const output: OutputMessage = {
      topic: topics.delayed(job.channel, tier),
      key: deliveryKey(job),
      value: encodeDeliveryJob({ ...job, notBefore: new Date(at).toISOString() }),
      headers: traceHeaders(record),
    };
    const { fits, bytes } = checkRecordSize(output, deps.maxRecordBytes);
    if (fits) return [output, ...then];
    const reason = new HeraldError('HERALD_ERR_JOB_TOO_LARGE', [
      job.notificationId,
      `${bytes} bytes for ${output.topic}, over the ${deps.maxRecordBytes}-byte record limit`,
    ]).message;
    log.warn(
      { notificationId: job.notificationId, bytes },
      'job too large to requeue; dead-lettered',
    );
    return deadLetter(record, 'permanent', reason, job, [
      ...(job.history ?? []),
      attemptRecord(job, 'permanent', reason),
    ]);
  }

  function deadLetter(
    record: ConsumedRecord,
    kind: DeadLetterKind,
    reason: string,
    job: DeliveryJob | undefined,
    attempts: readonly AttemptRecord[],
    provider?: ProviderResponse,
  ): OutputMessage[] {
    const full: DeadLetter = {
      heraldDeadLetter: 1 as const,
      kind,
      reason,
      deadLetteredAt: deps.now().toISOString(),
      ...(job
        ? { notificationId: job.notificationId, channel: job.channel, tenant: job.tenant, job }
        : { raw: (record.value ?? Buffer.alloc(0)).toString('base64') }),
      attempts: [...attempts],
      source: { topic: record.topic, partition: record.partition, offset: record.offset },
    };
    const key = job?.notificationId ?? record.key?.toString() ?? null;
    const trace = traceHeaders(record);
    const asRecord = (letter: DeadLetter): OutputMessage => ({
      topic: topics.dlq,
      key,
      value: encodeDeadLetter(letter),
      headers: { ...deadLetterHeaders(letter), ...trace },
    });
    // A dead letter must always be producible: cut down to the record limit if need be.
    const letter = fitDeadLetter(
      full,
      (l) => checkRecordSize(asRecord(l), deps.maxRecordBytes).fits,
    );
    if (letter.truncated)
      log.warn(
        { notificationId: letter.notificationId, truncated: letter.truncated },
        'dead letter over the record limit; cut down',
      );
    const out: OutputMessage[] = [asRecord(letter)];
    if (job)
      out.push(
        status(
          job,
          'dead_lettered',
          { reason, retryable: false, ...(provider ? { provider } : {}) },
          record,
        ),
      );
    return out;
  }

  function attemptRecord(
    job: DeliveryJob,
    outcome: AttemptRecord['outcome'],
    reason: string,
    statusCode?: number,
  ): AttemptRecord {
    return {
      attempt: job.attempt,
      at: deps.now().toISOString(),
      outcome,
      reason: reason.slice(0, 300),
      ...(statusCode === undefined ? {} : { statusCode }),
    };
  }

  /** Who holds a job's lease: this worker instance and the record (a retried chunk is the same owner). */
  const ownerOf = (record: ConsumedRecord) =>
    `${deps.instanceId}/${record.topic}/${record.partition}/${record.offset}`;
  const isHeld = (job: DeliveryJob, nowMs: number) =>
    job.notBefore !== undefined && Date.parse(job.notBefore) - nowMs > HOLD_SLACK_MS;

  async function processJob(
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
    const owner = ownerOf(record);
    const idem = deps.idempotency;
    if (idem) {
      // A copy later in the same chunk: the first one's mark is not written yet (finish).
      const sentInChunk = lease
        ? undefined
        : marks.find((m) => m.notificationId === job.notificationId);
      const mark: AcquireResult =
        lease ??
        (sentInChunk
          ? { status: 'sent', summary: sentInChunk.summary }
          : await idem.acquire(job.notificationId, owner));
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
      outcome: Parameters<HeraldMetrics['recordDelivery']>[0]['outcome'],
      failureClass: FailureClass,
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
      const rendered = deps.render
        ? deps.render(job)
        : ({
            status: 'failed',
            permanent: true,
            reason: new HeraldError('HERALD_ERR_TEMPLATE_NOT_FOUND', [
              job.template.ref,
              job.channel,
              job.locale ?? 'default',
              'nothing: this worker has no template store, set DATABASE_URL',
            ]).message,
          } as const);
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
        deps.metrics?.m.rateLimitDecisions.inc({
          channel: job.channel,
          decision:
            verdict.action === 'allow' ? (verdict.bypassed ? 'bypassed' : 'allowed') : 'deferred',
        });
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
      const outcome = await traceSpan(
        `${provider.name} send`,
        {
          kind: 'client',
          attributes: { 'herald.channel': job.channel, 'herald.provider': provider.name },
        },
        async (span) => {
          const result = await deps.channels.send(attemptJob, content, signal);
          span.setAttribute('herald.outcome', result.status);
          return result;
        },
      );
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
      const decision = nextRetry(
        policy,
        {
          attempt: job.attempt,
          attemptBase: base,
          firstAttemptAt: Date.parse(attemptJob.firstAttemptAt!),
          ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
        },
        nowMs,
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
          ),
        ),
      ];
    } catch (err) {
      await Promise.resolve(release()).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Decodes a chunk's jobs and takes the send leases of those about to be sent in one
   * Redis round trip, instead of one per job inside each job's critical path. A
   * notification id seen twice in the chunk is leased once; its later copies ask for
   * themselves when their turn comes (and find it sent).
   */
  async function prepare(records: readonly ConsumedRecord[]): Promise<Chunk> {
    const prepared = new Map<ConsumedRecord, Prepared>();
    const toLease: { record: ConsumedRecord; notificationId: string; owner: string }[] = [];
    const leased = new Set<string>();
    const nowMs = deps.now().getTime();
    for (const record of records) {
      let job: DeliveryJob;
      try {
        job = decodeDeliveryJob(record.value);
      } catch (err) {
        prepared.set(record, { error: err as Error });
        continue;
      }
      prepared.set(record, { job });
      if (
        deps.idempotency &&
        !isHeld(job, nowMs) &&
        !leased.has(job.notificationId) &&
        deps.channels.providerFor(job)
      ) {
        leased.add(job.notificationId);
        toLease.push({ record, notificationId: job.notificationId, owner: ownerOf(record) });
      }
    }
    if (deps.idempotency && toLease.length > 0) {
      const leases = await deps.idempotency.acquireMany(toLease);
      toLease.forEach(({ record }, i) => {
        const entry = prepared.get(record) as { job: DeliveryJob };
        prepared.set(record, { job: entry.job, lease: leases[i]! });
      });
    }
    return { prepared, marks: [] };
  }

  /**
   * Writes the sent marks of a chunk's jobs in one round trip; call it once the jobs are
   * done, failed ones included, before the chunk is retried. Redis failing here (it
   * answered `prepare` moments ago) is retried briefly, then logged: the sends happened
   * and their statuses go out; only a redelivery of these records before their leases
   * expire (a crash before the commit) would send them again.
   */
  async function finish(chunk: Chunk): Promise<void> {
    const idem = deps.idempotency;
    if (!idem || chunk.marks.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await idem.completeMany(chunk.marks);
        return;
      } catch (err) {
        if (attempt >= MARK_ATTEMPTS) {
          log.warn(
            { err, marks: chunk.marks.length },
            'sent marks not written to Redis (check REDIS_URL and the Redis server): these jobs are sent again only if redelivered before their leases end',
          );
          return;
        }
        await sleep(100 * attempt);
      }
    }
  }

  /** One record of a `prepare`d chunk → its outputs; undecodable and repeatedly crashing records are dead-lettered. */
  async function processRecord(
    record: ConsumedRecord,
    signal: AbortSignal,
    chunk: Chunk,
  ): Promise<OutputMessage[]> {
    const decoded = chunk.prepared.get(record)!;
    if ('error' in decoded) {
      const err = decoded.error;
      log.warn(
        { err, topic: record.topic, partition: record.partition, offset: record.offset },
        'malformed job; dead-lettered',
      );
      return deadLetter(record, 'malformed', err.message, undefined, []);
    }
    const { job } = decoded;
    const key = `${record.topic}/${record.partition}/${record.offset}`;
    try {
      const out = await processJob(record, job, signal, decoded.lease, chunk.marks);
      crashes.delete(key);
      return out;
    } catch (err) {
      if (err instanceof DependencyError || signal.aborted) throw err;
      const tries = (crashes.get(key) ?? 0) + 1;
      log.error({ err, notificationId: job.notificationId, tries }, 'handler crashed on a job');
      if (tries < deps.poisonMaxTries) {
        crashes.set(key, tries);
        throw err;
      }
      crashes.delete(key);
      const reason = `handler crashed ${tries} times: ${(err as Error).message}`;
      return deadLetter(record, 'poison', reason, job, [
        ...(job.history ?? []),
        attemptRecord(job, 'crashed', reason),
      ]);
    }
  }

  return { prepare, processRecord, finish };
}

/** A sent mark waiting to be written (see `finish`). */
interface SentMark {
  readonly notificationId: string;
  readonly summary: string;
}

/** A chunk being handled: its records decoded and leased by `prepare`, its sent marks. */
export interface Chunk {
  readonly prepared: ReadonlyMap<ConsumedRecord, Prepared>;
  readonly marks: SentMark[];
}

/** A record of a chunk, decoded, with its send lease when {@link createDeliveryPipeline}'s `prepare` took one. */
export type Prepared =
  { readonly job: DeliveryJob; readonly lease?: AcquireResult } | { readonly error: Error };
