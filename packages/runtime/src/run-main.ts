import { isHeraldError, sleep, type Logger } from '@herald/core';
import { dependencyOf } from './dependency-of.js';

export interface Runnable {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Resolves when the app cannot go on: a dependency (Kafka, Postgres, Redis) has been
   * away longer than its outage limit. runMain then stops the app and exits 1.
   */
  readonly failed?: Promise<Error>;
}

export interface Built {
  readonly app: Runnable;
  readonly logger: Logger;
  /**
   * How long start-up keeps trying while a dependency is unreachable
   * (HERALD_DEPENDENCY_OUTAGE_MS); 0 or absent: one try, as before.
   */
  readonly dependencyOutageMs?: number;
  /**
   * Opens the ops port before the first start attempt (telemetry's `openStartupOps`), so
   * /healthz answers and /readyz says why not yet while start-up is retried; the app's
   * own ops server takes the port over once started. Called once, from the first build.
   */
  readonly startupOps?: () => Promise<StartupProbe>;
  /**
   * The app's dependency settings by name (`{ kafka: KAFKA_BROKERS, postgres:
   * DATABASE_URL, redis: REDIS_URL }`): a failed start is reported on /readyz under the
   * name whose host and port the error names ("dependency" when none does).
   */
  readonly dependencies?: Readonly<Record<string, string | undefined>>;
}

/** What runMain tells the start-up ops listener (see `Built.startupOps`). */
export interface StartupProbe {
  dependencyDown(dependency: string, error: string): void;
  close(): Promise<void>;
}

/** Start-up backoff: 1 s doubling to 30 s, so a dependency back in seconds is met in seconds. */
const START_RETRY = { initialMs: 1_000, maxMs: 30_000 };

/**
 * A start failure worth retrying: a dependency that did not answer. Client errors
 * (a refused connection, a kafkajs or pg error) are, and Herald errors whose code the
 * registry marks retriable (`HERALD_ERR_SCHEMA_REGISTRY_UNAVAILABLE`); any other Herald
 * error at start-up is a settings or file problem (`HERALD_ERR_CONFIG_*`,
 * `HERALD_ERR_CHANNEL_CONFIG`, an invalid rules file…) that fails the same way every time.
 */
export function isRetryableStartError(err: unknown): boolean {
  return !isHeraldError(err) || err.retriable;
}

/**
 * The body of every app's `main.ts`: builds the app (parsing its settings first),
 * starts it, and on SIGTERM/SIGINT stops it gracefully, then exits. Exit codes:
 * 0 stopped cleanly, 1 failed at run time, 2 bad configuration (nothing connected).
 *
 * A dependency that is away does not end the process: a start that fails for any
 * reason but a settings error is undone (`stop()`), the app built again and started
 * again with backoff for up to `dependencyOutageMs`; a running app that reports
 * `failed` (an outage longer than that) is stopped and the process exits 1.
 * While it retries, the start-up ops listener (`startupOps`) answers /readyz 503 naming
 * the dependency and since when; /healthz stays 200: the process is alive, riding it out.
 * Apps' `build*` factories never touch the process, so tests build them directly.
 */
export async function runMain(name: string, build: () => Built): Promise<void> {
  const configError = (err: unknown): never => {
    // Configuration errors are for a human: print the message alone, not a stack.
    process.stderr.write(
      `herald-${name}: ${isHeraldError(err) ? err.message : String((err as Error)?.stack ?? err)}\n`,
    );
    process.exit(2);
  };
  let built: Built;
  try {
    built = build();
  } catch (err) {
    return configError(err);
  }
  const { logger } = built;
  const abort = new AbortController();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    stopping = true;
    abort.abort();
    logger.info({ signal }, 'stopping');
    built.app.stop().then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  let probe: StartupProbe | undefined;
  if (built.startupOps) {
    try {
      probe = await built.startupOps();
    } catch (err) {
      // The ops port is taken or not ours: the app's own ops server would fail the same way.
      logger.error({ err }, 'start failed: the ops port could not be opened');
      process.exit(1);
    }
  }

  const outageMs = built.dependencyOutageMs ?? 0;
  const firstFailure = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await built.app.start();
      break;
    } catch (err) {
      if (stopping) return; // SIGTERM during start-up: shutdown() owns the exit
      const retryIn = Math.min(START_RETRY.maxMs, START_RETRY.initialMs * 2 ** (attempt - 1));
      const retry = isRetryableStartError(err) && Date.now() - firstFailure + retryIn <= outageMs;
      logger[retry ? 'warn' : 'error'](
        { err, attempt, ...(retry ? { retryInMs: retryIn } : {}) },
        retry ? 'start failed; a dependency may be away, retrying' : 'start failed',
      );
      if (retry && probe) {
        const down = dependencyOf(err, built.dependencies);
        const message = err instanceof Error ? err.message : String(err);
        probe.dependencyDown(
          down?.name ?? 'dependency',
          down?.endpoint && !message.includes(down.endpoint)
            ? `${message} (${down.endpoint})`
            : message,
        );
      }
      await built.app.stop().catch(() => undefined);
      if (!retry) process.exit(1);
      await sleep(retryIn, abort.signal).catch(() => undefined);
      if (stopping) return;
      // A fresh app: the failed one has closed what it opened and cannot start twice.
      try {
        built = build();
      } catch (rebuildErr) {
        return configError(rebuildErr);
      }
    }
  }
  logger.info({}, 'started');
  void built.app.failed?.then((err) => {
    if (stopping) return;
    stopping = true;
    logger.error({ err }, 'a dependency was away too long; exiting');
    void built.app
      .stop()
      .catch(() => undefined)
      .finally(() => process.exit(1));
  });
}
