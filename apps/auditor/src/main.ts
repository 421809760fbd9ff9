import { runMain } from '@herald/runtime';
import { createLogger, startTracing, startupReadiness, tracingConfig } from '@herald/telemetry';
import { buildAuditor } from './auditor.js';
import { parseAuditorEnv } from './env.js';

await runMain('auditor', () => {
  const env = parseAuditorEnv(process.env);
  const logger = createLogger({ app: 'auditor', level: env.HERALD_LOG_LEVEL });
  // Tracing first, so every span has a provider; flushed after the auditor stopped.
  const tracing = startTracing(tracingConfig(env, 'auditor'));
  const auditor = buildAuditor(env, logger);
  return {
    app: {
      start: () => auditor.start(),
      stop: async () => {
        try {
          await auditor.stop();
        } finally {
          await tracing.stop();
        }
      },
      failed: auditor.failed,
    },
    logger,
    dependencyOutageMs: env.HERALD_DEPENDENCY_OUTAGE_MS,
    // The ops port answers from the first attempt: /readyz names what start-up waits for.
    ...startupReadiness(env, logger),
  };
});
