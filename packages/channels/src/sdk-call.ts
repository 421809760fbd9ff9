import type { DeliveryOutcome } from '@herald/core';
import { timedOut } from './outcomes.js';

/**
 * Runs an SDK call that takes no AbortSignal of its own, giving up when `signal`
 * aborts or `timeoutMs` passes. The call may still finish in the background; its
 * client's own socket timeout (set to the same value) bounds that.
 */
export async function withDeadline<T>(
  call: Promise<T>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<T> {
  // Held until the call ends: AbortSignal.any keeps its sources only weakly, and a
  // timeout signal nothing else references may be collected unfired.
  const timeout = AbortSignal.timeout(timeoutMs);
  const deadline = AbortSignal.any([signal, timeout]);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () =>
      reject(new DeadlineError(signal.aborted && !timeout.aborted ? 'aborted' : 'timeout'));
    if (deadline.aborted) onAbort();
    else deadline.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([call, aborted]);
  } finally {
    if (onAbort !== undefined) deadline.removeEventListener('abort', onAbort);
    call.catch(() => undefined);
  }
}

/** Raised by {@link withDeadline}; `cause` says whether the caller aborted or the timeout passed. */
export class DeadlineError extends Error {
  constructor(readonly reason: 'aborted' | 'timeout') {
    super(reason === 'timeout' ? 'timed out' : 'aborted by the caller');
    this.name = 'DeadlineError';
  }
}

/** The outcome of a call {@link withDeadline} gave up on: class `timeout` either way. */
export function deadlineOutcome(
  provider: string,
  err: DeadlineError,
  timeoutMs: number,
  answerer: string,
): DeliveryOutcome {
  return timedOut(
    provider,
    err.reason === 'timeout'
      ? `no response within ${timeoutMs} ms`
      : `aborted before ${answerer} answered (worker stopping)`,
  );
}
