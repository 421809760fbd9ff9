import { isHeraldError, type Logger } from '@herald/core';

export interface Runnable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The body of every app's `main.ts`: builds the app (parsing its settings first),
 * starts it, and on SIGTERM/SIGINT stops it gracefully, then exits. Exit codes:
 * 0 stopped cleanly, 1 failed at run time, 2 bad configuration (nothing connected).
 * Apps' `build*` factories never touch the process, so tests build them directly.
 */
export async function runMain(
  name: string,
  build: () => { app: Runnable; logger: Logger },
): Promise<void> {
  let built: { app: Runnable; logger: Logger };
  try {
    built = build();
  } catch (err) {
    // Configuration errors are for a human: print the message alone, not a stack.
    process.stderr.write(
      `herald-${name}: ${isHeraldError(err) ? err.message : String((err as Error)?.stack ?? err)}\n`,
    );
    process.exit(2);
  }
  const { app, logger } = built;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    app.stop().then(
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
  try {
    await app.start();
    logger.info({}, 'started');
  } catch (err) {
    logger.error({ err }, 'start failed');
    await app.stop().catch(() => undefined);
    process.exit(1);
  }
}
