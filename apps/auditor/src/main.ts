import { createLogger } from '@herald/telemetry';
import { buildAuditor } from './auditor.js';
import { parseAuditorEnv } from './env.js';
import { runMain } from '@herald/runtime';

await runMain('auditor', () => {
  const env = parseAuditorEnv(process.env);
  const logger = createLogger({ app: 'auditor', level: env.HERALD_LOG_LEVEL });
  return { app: buildAuditor(env, logger), logger };
});
