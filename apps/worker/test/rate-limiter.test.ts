/**
 * The worker's rate-limit port over real Postgres (policies) and Redis (GCRA): a job no
 * policy applies to is allowed as a plain value, with no promise for the pipeline to
 * wait on (docs/benchmarks.md, "Round 5 (issue 19): the worker's per-job promise chain");
 * a critical job that skips a policy by `bypassCritical` is still reported as a bypass;
 * a job a policy applies to is decided in Redis.
 */
import { silentLogger, type DeliveryJob } from '@herald/core';
import { createRedisClient } from '@herald/delivery';
import { createDatabase, migrateToLatest, RateLimitPolicyStore } from '@herald/store';
import { stackEnv, testRun } from '@herald/testkit';
import { parseWorkerEnv } from '@herald/worker';
import { startRateLimiter, type RateLimiterHandle } from '../src/rate-limiter.js';

const run = testRun('worker-ratelimit');
let limiter: RateLimiterHandle;

const job = (tenant: string, priority: DeliveryJob['priority']): DeliveryJob => ({
  notificationId: `n-${tenant}-${priority}`,
  event: { id: 'e-1', source: 's', type: 't' },
  tenant,
  rule: { id: 'r', version: 1 },
  channel: 'webhook',
  recipient: { ref: 'alice', address: 'https://example.com/h' },
  priority,
  attempt: 1,
  payload: {},
  plannedAt: '2026-11-20T08:00:00.000Z',
});

beforeAll(async () => {
  const { url } = await run.database();
  const database = createDatabase({ url, poolSize: 1, logger: silentLogger });
  try {
    await migrateToLatest(database);
    await new RateLimitPolicyStore(database).upsert({
      id: 'paced',
      scope: 'recipient',
      tenant: 'paced-tenant',
      channel: 'webhook',
      provider: null,
      limit: 1,
      periodMs: 60_000,
      burst: 1,
      action: 'defer',
      bypassCritical: true,
    });
  } finally {
    await database.destroy();
  }
  const redis = createRedisClient(stackEnv().REDIS_URL, { mode: 'stage' });
  await redis.connect();
  run.defer(() => redis.quit());
  const env = parseWorkerEnv({ ...run.settings(), REDIS_URL: stackEnv().REDIS_URL });
  limiter = await startRateLimiter(env, redis, silentLogger);
  run.defer(() => limiter.stop());
});
afterAll(() => run.stop());

it('allows a job no policy applies to as a plain value, and reports a critical bypass', async () => {
  expect(limiter.check(job('other-tenant', 'normal'), 'webhook')).toEqual({ action: 'allow' });
  expect(limiter.check(job('paced-tenant', 'critical'), 'webhook')).toEqual({
    action: 'allow',
    bypassed: true,
  });
  const first = limiter.check(job('paced-tenant', 'normal'), 'webhook');
  expect(first).toBeInstanceOf(Promise);
  expect(await first).toEqual({ action: 'allow' });
  const second = await limiter.check(job('paced-tenant', 'high'), 'webhook');
  expect(second).toMatchObject({ action: 'defer' });
});
