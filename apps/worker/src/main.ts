import { runMain } from '@herald/runtime';
import { createLogger, startTracing, startupReadiness, tracingConfig } from '@herald/telemetry';
import { parseWorkerEnv } from './env.js';
import { buildWorker } from './worker.js';

// `--channel webhook` (repeatable, or comma-separated) overrides HERALD_WORKER_CHANNELS.
function channelsFromArgs(argv: readonly string[]): string | undefined {
  const channels: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--channel' && argv[i + 1]) channels.push(argv[++i]!);
    else if (arg.startsWith('--channel=')) channels.push(arg.slice('--channel='.length));
  }
  return channels.length > 0 ? channels.join(',') : undefined;
}

await runMain('worker', () => {
  const channels = channelsFromArgs(process.argv.slice(2));
  const env = parseWorkerEnv(
    channels ? { ...process.env, HERALD_WORKER_CHANNELS: channels } : process.env,
  );
  const logger = createLogger({ app: 'worker', level: env.HERALD_LOG_LEVEL });
  // Tracing first, so every span has a provider; stopped (flushed) after the worker.
  const tracing = startTracing(tracingConfig(env, 'worker'));
  const worker = buildWorker(env, logger);
  return {
    app: {
      start: worker.start,
      stop: async () => {
        try {
          await worker.stop();
        } finally {
          await tracing.stop();
        }
      },
      failed: worker.failed,
    },
    logger,
    dependencyOutageMs: env.HERALD_DEPENDENCY_OUTAGE_MS,
    // The ops port answers from the first attempt: /readyz names what start-up waits for.
    ...startupReadiness(env, logger),
  };
});
