import {
  delayTierFor,
  deliveryKey,
  deliveryTopicFor,
  fallbackJob,
  encodeDeliveryJob,
  statusEventFor,
  statusMessage,
  HeraldError,
  type DeliveryJob,
  type NotificationState,
  type ProviderResponse,
  type StatusDetails,
} from '@herald/core';
import {
  deadLetterHeaders,
  encodeDeadLetter,
  type AttemptRecord,
  type DeadLetter,
  type DeadLetterKind,
} from '../dead-letter.js';
import { fitDeadLetter } from '../dead-letter-fit.js';
import type { ConsumedRecord, OutputMessage, PipelineDeps } from './ports.js';

const SOURCE = 'herald/worker';

/** The messages one delivery attempt publishes: status events, delay-lane jobs, dead letters. */
export interface Outputs {
  status(
    job: DeliveryJob,
    state: NotificationState,
    details: StatusDetails,
    record: ConsumedRecord,
    at?: Date,
  ): OutputMessage;
  delayed(
    job: DeliveryJob,
    at: number,
    record: ConsumedRecord,
    ...then: OutputMessage[]
  ): OutputMessage[];
  deadLetter(
    record: ConsumedRecord,
    kind: DeadLetterKind,
    reason: string,
    job: DeliveryJob | undefined,
    attempts: readonly AttemptRecord[],
    provider?: ProviderResponse,
    /** When the attempt that ended in this dead letter began (its status says so). */
    attemptStartedAt?: string,
  ): OutputMessage[];
  attemptRecord(
    job: DeliveryJob,
    outcome: AttemptRecord['outcome'],
    reason: string,
    statusCode?: number,
  ): AttemptRecord;
  /**
   * After a send, for a job whose fallback waits for a receipt (`fallback.after`): the
   * next channel's job parked until then, marked `unlessDelivered`, with its `deferred`
   * status. Nothing for other jobs.
   */
  fallbackCheck(job: DeliveryJob, record: ConsumedRecord): OutputMessage[];
}

type OutputDeps = Pick<
  PipelineDeps,
  'topics' | 'tracing' | 'maxRecordBytes' | 'recordSize' | 'log' | 'now'
>;

export function createOutputs(deps: OutputDeps): Outputs {
  const { topics, log } = deps;

  /**
   * The trace headers of an output: the active span's context (the worker's `process`
   * span when tracing is on), else the record's own `traceparent` passed on.
   */
  function traceHeaders(record: ConsumedRecord): Record<string, string> {
    const headers = deps.tracing?.headers() ?? {};
    if (headers.traceparent === undefined) {
      const incoming = record.headers.traceparent?.toString();
      if (incoming) headers.traceparent = incoming;
    }
    return headers;
  }

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
    const { fits, bytes } = deps.recordSize(output);
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
    attemptStartedAt?: string,
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
    const letter = fitDeadLetter(full, (l) => deps.recordSize(asRecord(l)).fits);
    if (letter.truncated)
      log.warn(
        { notificationId: letter.notificationId, truncated: letter.truncated },
        'dead letter over the record limit; cut down',
      );
    const out: OutputMessage[] = [asRecord(letter)];
    if (!job) return out;
    // Channel fallback: the next channel's job, planned by the router, goes out with
    // the dead letter (same produce), so a crash between them cannot lose it.
    const next = fallbackJob(job, deps.now());
    out.push(
      status(
        job,
        'dead_lettered',
        {
          reason,
          retryable: false,
          ...(provider ? { provider } : {}),
          ...(attemptStartedAt === undefined ? {} : { attemptStartedAt }),
          ...(next ? { fallbackTo: next.notificationId } : {}),
        },
        record,
      ),
    );
    if (next) {
      log.info(
        {
          notificationId: job.notificationId,
          fallback: next.notificationId,
          channel: next.channel,
        },
        'dead-lettered; falling back to the next channel',
      );
      out.push(
        {
          topic: deliveryTopicFor(topics, next),
          key: deliveryKey(next),
          value: encodeDeliveryJob(next),
          headers: traceHeaders(record),
        },
        // The link is in `reason` too: the audit tables keep reasons, not status data.
        status(
          next,
          'queued',
          { reason: `fallback_of: ${job.notificationId}`, fallbackOf: job.notificationId },
          record,
        ),
      );
    }
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

  function fallbackCheck(job: DeliveryJob, record: ConsumedRecord): OutputMessage[] {
    const afterMs = job.fallback?.afterMs;
    if (afterMs === undefined) return [];
    // One reading of the clock: the status's time and its `notBefore` are `afterMs` apart.
    const now = deps.now();
    const at = now.getTime() + afterMs;
    const notBefore = new Date(at).toISOString();
    const next = fallbackJob(job, now, { unlessDelivered: true, notBefore });
    if (next === undefined) return [];
    return delayed(
      next,
      at,
      record,
      status(
        next,
        'deferred',
        {
          reason: `fallback_wait: ${job.notificationId}`,
          notBefore,
          fallbackOf: job.notificationId,
        },
        record,
        now,
      ),
    );
  }

  return { status, delayed, deadLetter, attemptRecord, fallbackCheck };
}
