/**
 * Makes an async operation idempotent: the first call runs it, every later call gets
 * the same promise. `start()` and `stop()` of long-lived components use it.
 */
export function once<T>(operation: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= operation());
}

/**
 * Runs every cleanup in order even when some throw, then throws the first error (with
 * the others attached) so that one failing adapter never leaves the rest open.
 */
export async function runCleanups(
  cleanups: readonly (() => Promise<unknown> | unknown)[],
): Promise<void> {
  const errors: unknown[] = [];
  for (const cleanup of cleanups) {
    try {
      await cleanup();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} cleanups failed`);
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * `work`, or a rejection with `Error(message)` once `ms` have passed; the timer is
 * cleared either way. `work` itself is not cancelled: it settles on its own later.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
