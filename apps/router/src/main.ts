import { runMain } from '@herald/runtime';
import { createLogger, startTracing, startupReadiness, tracingConfig } from '@herald/telemetry';
import { parseRouterEnv } from './env.js';
import { buildRouter } from './router.js';

await runMain('router', () => {
  const env = parseRouterEnv(process.env);
  const logger = createLogger({ app: 'router', level: env.HERALD_LOG_LEVEL });
  // Tracing first, so every span has a provider; flushed after the router stopped.
  const tracing = startTracing(tracingConfig(env, 'router'));
  const router = buildRouter(env, logger);
  return {
    app: {
      start: () => router.start(),
      stop: async () => {
        try {
          await router.stop();
        } finally {
          await tracing.stop();
        }
      },
      failed: router.failed,
    },
    logger,
    dependencyOutageMs: env.HERALD_DEPENDENCY_OUTAGE_MS,
    // The ops port answers from the first attempt: /readyz names what start-up waits for.
    ...startupReadiness(env, logger),
  };
});
