import { hostname } from 'node:os';
import { redisClusterNodes, type Logger } from '@herald/core';
import {
  cachedAddressStates,
  connectRedis,
  createRedisClient,
  IdempotencyStore,
  MarksRedis,
  publishBreakerStates,
  type BreakerRegistry,
} from '@herald/delivery';
import type { Lifecycle } from '@herald/runtime';
import {
  AddressStateStore,
  createDatabase,
  TemplateStore,
  type HeraldDatabase,
} from '@herald/store';
import type { Kysely } from 'kysely';
import { LiveTemplates } from '@herald/templates';
import type { WorkerEnv } from './env.js';
import { startRateLimiter } from './rate-limiter.js';

// The worker's optional stores, each registered with the app's lifecycle the moment it
// exists (so a start-up that fails half-way still closes them).

/** Postgres and the live templates, when DATABASE_URL is set. */
export async function startTemplates(life: Lifecycle, env: WorkerEnv, log: Logger) {
  if (!env.DATABASE_URL) {
    log.warn({}, 'DATABASE_URL not set; jobs naming a template are dead-lettered');
    return undefined;
  }
  const url = env.DATABASE_URL;
  const db = await life.use(
    () => createDatabase({ url, poolSize: env.HERALD_DATABASE_POOL_SIZE, logger: log }),
    (database) => database.destroy(),
  );
  const templates = new LiveTemplates({
    source: new TemplateStore(db),
    intervalMs: env.HERALD_TEMPLATES_POLL_MS,
    logger: log,
  });
  // Registered before it loads: a stored template that no longer compiles stops
  // start-up, and what it started is still stopped.
  life.defer(() => templates.stop());
  await templates.start();
  return { db, templates };
}

/**
 * Address marks (migrations/0009) over the worker's database: looked up before each send,
 * cached 30 s (a burst to one address is one query), written on a provider's "gone".
 */
export function addressStatesOf(db: Kysely<HeraldDatabase>, log: Logger, now: () => Date) {
  return cachedAddressStates(new AddressStateStore(db), {
    ttlMs: 30_000,
    maxEntries: 10_000,
    log,
    now: () => now().getTime(),
  });
}

/**
 * Redis, the breaker-state publisher, the idempotency store and (with DATABASE_URL)
 * the rate limiter, when REDIS_URL is set.
 */
export async function startRedis(
  life: Lifecycle,
  env: WorkerEnv,
  log: Logger,
  breakers: BreakerRegistry,
) {
  if (!env.REDIS_URL) {
    log.warn({}, 'REDIS_URL not set; no idempotency marks, a redelivered job may be sent twice');
    return undefined;
  }
  // Fails fast while Redis is away: the stage retries the chunk with backoff.
  const redis = createRedisClient(env.REDIS_URL, {
    mode: 'stage',
    onError: (err) => log.warn({ err: err.message }, 'redis connection error'),
  });
  life.defer(async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  await connectRedis(redis);
  // Breakers live in this process; `herald status` reads them from Redis.
  await life.use(
    () =>
      publishBreakerStates(redis, () => breakers.snapshot(), {
        keyPrefix: env.HERALD_TOPIC_PREFIX,
        worker: `${hostname()}:${process.pid}`,
        channels: env.HERALD_WORKER_CHANNELS,
        onError: (err) =>
          log.debug({ err }, 'breaker state publish failed; retrying at the next tick'),
      }),
    (publisher) => publisher.stop(),
  );
  // The leases and sent marks, two commands per delivery, go through their own client
  // (MarksRedis: node-redis, cheaper per command than ioredis; docs/ARCHITECTURE.md).
  const marks = new MarksRedis(env.REDIS_URL, {
    onError: (err) => log.warn({ err: err.message }, 'redis connection error (idempotency marks)'),
  });
  life.defer(() => marks.close());
  await marks.connect();
  const idempotency = new IdempotencyStore(marks, {
    keyPrefix: env.HERALD_TOPIC_PREFIX,
    leaseMs: env.HERALD_IDEMPOTENCY_LEASE_MS,
    ttlMs: env.HERALD_IDEMPOTENCY_TTL_MS,
    waitReplicas:
      env.HERALD_IDEMPOTENCY_WAIT_REPLICAS ?? (redisClusterNodes(env.REDIS_URL) ? 1 : 0),
    waitMs: env.HERALD_IDEMPOTENCY_WAIT_MS,
  });
  if (!env.DATABASE_URL) {
    log.warn({}, 'DATABASE_URL not set; no rate-limit policies apply');
    return { redis, idempotency };
  }
  const rateLimiter = await life.use(
    () => startRateLimiter(env, redis, log),
    (limiter) => limiter.stop(),
  );
  return { redis, idempotency, rateLimiter };
}
