import { once, runCleanups } from '@herald/core';

type Cleanup = () => Promise<unknown> | unknown;

/**
 * The resources one app holds, started in order and stopped in reverse. Every app's
 * `start()` registers what it opens here instead of keeping `let` slots and a
 * hand-reversed clean-up list: a resource is registered the moment it exists, so an
 * app that fails half-way through start-up still closes what it had opened.
 */
export interface Lifecycle {
  /**
   * Starts one resource and registers how to stop it; returns what `start` returned.
   * After `stop()` has begun, the resource is stopped at once and this throws, so a
   * start that raced a stop never leaks a connection.
   */
  use<T>(
    start: () => Promise<T> | T,
    stop: (resource: T) => Promise<unknown> | unknown,
  ): Promise<T>;
  /** Registers a clean-up for something already running (a timer, a subscription). */
  defer(cleanup: Cleanup): void;
  /** True once `stop()` has begun. */
  readonly stopping: boolean;
  /**
   * Reports that the app cannot go on (a dependency away longer than its outage
   * limit): resolves `App.failed`, on which runMain stops the app and exits 1.
   * The first report wins; later ones are ignored.
   */
  fail(err: Error): void;
}

export interface App {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves with the error passed to `life.fail`; never resolves otherwise. */
  readonly failed: Promise<Error>;
}

/**
 * Makes an app's `start`/`stop` pair from one start-up function. `start()` and `stop()`
 * are idempotent; `stop()` runs every registered clean-up in reverse order, each even
 * when an earlier one throws, then throws the first error (the others attached).
 *
 * @example
 * const { start, stop } = appLifecycle(async (life) => {
 *   ops = await life.use(() => startOpsServer(…), (s) => s.stop());
 *   db = await life.use(() => createDatabase(…), (d) => d.destroy());
 *   consumer = await life.use(async () => { const c = new StageConsumer(…); await c.start(); return c; }, (c) => c.stop());
 * });
 */
export function appLifecycle(startUp: (life: Lifecycle) => Promise<void>): App {
  const cleanups: Cleanup[] = [];
  let stopping = false;
  let reportFailure: (err: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => (reportFailure = resolve));
  const life: Lifecycle = {
    async use(start, stop) {
      if (stopping) throw new Error('the app is stopping; not starting another resource');
      const resource = await start();
      if (stopping) {
        await stop(resource);
        throw new Error('the app stopped while this resource was starting; it was stopped again');
      }
      cleanups.push(() => stop(resource));
      return resource;
    },
    defer(cleanup) {
      // Registered after stop began: nothing will run it later, so it runs now.
      if (stopping)
        void Promise.resolve()
          .then(cleanup)
          .catch(() => undefined);
      else cleanups.push(cleanup);
    },
    get stopping() {
      return stopping;
    },
    fail(err) {
      if (!stopping) reportFailure(err);
    },
  };
  return {
    start: once(() => startUp(life)),
    stop: once(async () => {
      stopping = true;
      await runCleanups(cleanups.splice(0).reverse());
    }),
    failed,
  };
}
