import type { Logger } from '@herald/core';
import { inboxAdapters } from './adapters.js';
import type { GatewayEnv } from './env.js';
import { buildGateway, type Gateway } from './gateway.js';

/**
 * The gateway over the real inbox (Postgres), fan-out (Redis) and statuses (Kafka):
 * what main.ts runs and the real-stack tests start. A Redis reconnect makes every
 * session re-read the store past its last seq (notices sent meanwhile are lost).
 */
export function createInboxGateway(
  env: GatewayEnv,
  logger: Logger,
  options: { now?: () => Date } = {},
): Gateway {
  // The adapters call back into the gateway they are part of (after a Redis reconnect).
  const gateway: Gateway = buildGateway(
    env,
    logger,
    inboxAdapters(env, () => gateway.recheck()),
    options,
  );
  return gateway;
}
