import { sleep, type Logger } from '@herald/core';
import type { OutputMessage } from './output-message.js';
import { checkRecordSize, fitOrReference, recordTooLarge } from './record-size.js';

/**
 * The outputs, each one over the limit replaced by a reference on the dead-letter
 * topic (the backstop that keeps a stage from retrying a record the broker refuses for
 * ever). Without a dead-letter topic the outputs are returned as they are and the
 * produce fails on the oversized one. Shared by both clients' stage loops.
 */
export function fitOutputs(
  outputs: readonly OutputMessage[],
  maxRecordBytes: number,
  deadLetterTopic: string | undefined,
  log: Logger,
): readonly OutputMessage[] {
  if (deadLetterTopic === undefined) return outputs;
  return outputs.map((output) => {
    const { fits, bytes } = checkRecordSize(output, maxRecordBytes);
    if (fits) return output;
    const error = recordTooLarge(output.topic, bytes, maxRecordBytes);
    log.error({ err: error, key: output.key }, 'output too large; dead-lettered as a reference');
    const traceparent = output.headers?.traceparent;
    return fitOrReference({ ...output, topic: deadLetterTopic }, maxRecordBytes, 'herald-dlq', {
      'herald-dlq-reason': error.message,
      'herald-dlq-kind': 'malformed',
      'herald-dlq-target-topic': output.topic,
      ...(traceparent === undefined ? {} : { traceparent }),
    });
  });
}

/**
 * Waits for a stopping stage's in-flight work for at most `deadlineMs`; past it, warns
 * and aborts that work through `abort`, and returns. Shared by both clients' `stop()`.
 */
export async function awaitInFlight(
  work: Promise<unknown>,
  deadlineMs: number,
  log: Logger,
  abort: AbortController,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work,
    new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        log.warn({ deadlineMs }, 'in-flight work did not finish in time; aborting it');
        abort.abort();
        resolve();
      }, deadlineMs);
    }),
  ]);
  clearTimeout(timer);
}

export interface RetryOptions {
  readonly what: string;
  readonly log: Logger;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number } | undefined;
  /** Aborted: stop retrying (the stage stops). */
  readonly signal: AbortSignal;
  /** True when the work no longer matters (its partitions were revoked). */
  readonly giveUp: () => boolean;
  /** Run between tries (kafkajs: a heartbeat). */
  readonly between?: () => Promise<void>;
}

/**
 * Retries `operation` with capped exponential backoff until it succeeds, the stage
 * stops, or `giveUp()`; undefined means "give up, do not commit".
 */
export async function retryWithBackoff<T>(
  options: RetryOptions,
  operation: () => Promise<T>,
): Promise<T | undefined> {
  const { initialMs, maxMs } = options.backoff ?? { initialMs: 250, maxMs: 10_000 };
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (options.giveUp() || options.signal.aborted) return undefined;
      const delay = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
      options.log.warn({ err, attempt, retryInMs: delay }, `${options.what} failed; retrying`);
      await sleep(delay, options.signal);
      await options.between?.().catch(() => undefined);
    }
  }
}
