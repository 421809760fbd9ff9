import { runMain } from '@herald/runtime';
import { createLogger, startTracing, startupReadiness, tracingConfig } from '@herald/telemetry';
import { parseGatewayEnv } from './env.js';
import { createInboxGateway } from './inbox-gateway.js';

await runMain('gateway', () => {
  const env = parseGatewayEnv(process.env);
  const logger = createLogger({ app: 'gateway', level: env.HERALD_LOG_LEVEL });
  // Tracing first, so every span has a provider; flushed after the gateway stopped.
  const tracing = startTracing(tracingConfig(env, 'gateway'));
  const gateway = createInboxGateway(env, logger);
  return {
    app: {
      start: () => gateway.start(),
      stop: async () => {
        try {
          await gateway.stop();
        } finally {
          await tracing.stop();
        }
      },
    },
    logger,
    dependencyOutageMs: env.HERALD_DEPENDENCY_OUTAGE_MS,
    // The ops port answers from the first attempt: /readyz names what start-up waits for.
    ...startupReadiness(env, logger),
  };
});
