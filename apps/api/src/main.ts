import { createLogger } from '@herald/telemetry';
import { runMain } from '@herald/runtime';
import { buildApi } from './api.js';
import { parseApiEnv } from './env.js';

await runMain('api', () => {
  const env = parseApiEnv(process.env);
  const logger = createLogger({ app: 'api', level: env.HERALD_LOG_LEVEL });
  return { app: buildApi(env, logger), logger };
});
