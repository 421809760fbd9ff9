import { runMain } from '@herald/runtime';
import { createLogger, startTracing, startupReadiness, tracingConfig } from '@herald/telemetry';
import { buildApi } from './api.js';
import { parseApiEnv } from './env.js';

await runMain('api', () => {
  const env = parseApiEnv(process.env);
  const logger = createLogger({ app: 'api', level: env.HERALD_LOG_LEVEL });
  // Tracing first, so every span has a provider; flushed after the api stopped.
  const tracing = startTracing(tracingConfig(env, 'api'));
  const api = buildApi(env, logger);
  return {
    app: {
      start: () => api.start(),
      stop: async () => {
        try {
          await api.stop();
        } finally {
          await tracing.stop();
        }
      },
      failed: api.failed,
    },
    logger,
    dependencyOutageMs: env.HERALD_DEPENDENCY_OUTAGE_MS,
    // The ops port answers from the first attempt: /readyz names what start-up waits for.
    ...startupReadiness(env, logger),
  };
});
