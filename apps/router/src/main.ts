import { runMain } from '@herald/runtime';
import { createLogger } from '@herald/telemetry';
import { parseRouterEnv } from './env.js';
import { buildRouter } from './router.js';

await runMain('router', () => {
  const env = parseRouterEnv(process.env);
  const logger = createLogger({ app: 'router', level: env.HERALD_LOG_LEVEL });
  return { app: buildRouter(env, logger), logger };
});
