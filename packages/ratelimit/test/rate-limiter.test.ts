/**
 * The GCRA script against the real Redis of the local stack, and the fail-open /
 * fail-closed modes against a Redis of this test's own (started and stopped here, so
 * the shared one is never touched).
 */
import { Redis, type Cluster } from 'ioredis';
import { RateLimiter, type PolicyHit, type RateLimitPolicy } from '@herald/ratelimit';
import {
  deleteRedisKeys,
  ownRedis,
  stackRedis,
  uniquePrefix,
  waitFor,
  type OwnRedis,
} from '@herald/testkit';

const prefix = uniquePrefix();
let redis: Redis | Cluster;

const policy = (p: Partial<RateLimitPolicy>): RateLimitPolicy => ({
  id: 'p',
  scope: 'recipient',
  limit: 5,
  periodMs: 1_000,
  burst: 1,
  action: 'defer',
  bypassCritical: true,
  ...p,
});

beforeAll(() => {
  redis = stackRedis();
});
afterAll(async () => {
  await deleteRedisKeys(redis, prefix);
  redis.disconnect();
});

it('keys share one Cluster hash tag', () => {
  const limiter = new RateLimiter(redis, { keyPrefix: prefix, failMode: 'open' });
  expect(limiter.key({ policy: policy({ id: 'sms' }), subject: 'sms:+1555' })).toBe(
    `${prefix}herald:rl:{herald-rl}:sms:sms:+1555`,
  );
});

it('paces to period / limit and says when the next request is allowed (server time)', async () => {
  const limiter = new RateLimiter(redis, { keyPrefix: prefix, failMode: 'open' });
  const hit: PolicyHit = { policy: policy({ id: 'pace' }), subject: 'a' };
  const serverNow = async () => {
    const [seconds, micros] = await redis.time();
    return Number(seconds) * 1_000 + Number(micros) / 1_000;
  };
  // Bounds from the server's own clock on both sides of the calls, so a slow machine
  // (time passing between the calls) cannot fail the test: the first request was let
  // through somewhere in [before, after], and the next one is allowed 200 ms later.
  const before = await serverNow();
  // One policy: what is left of its budget (burst 1: nothing) and when it is whole again.
  expect(await limiter.check([hit])).toEqual({ allowed: true, remaining: 0, resetMs: 200 });
  const refused = await limiter.check([hit]);
  const after = await serverNow();
  expect(refused.allowed).toBe(false);
  if (refused.allowed) return;
  expect(refused.retryAt).toBeGreaterThanOrEqual(before + 199);
  expect(refused.retryAt).toBeLessThanOrEqual(after + 201);
  expect(refused.reason).toMatch(/rate limit pace \(5 per 1000 ms per recipient\)/);
  await new Promise((r) => setTimeout(r, Math.max(0, refused.retryAt - after) + 5));
  expect((await limiter.check([hit])).allowed).toBe(true);
});

it('is all or nothing across a job’s policies', async () => {
  const limiter = new RateLimiter(redis, { keyPrefix: prefix, failMode: 'open' });
  const loose: PolicyHit = { policy: policy({ id: 'loose', limit: 1_000 }), subject: 'x' };
  const tight: PolicyHit = {
    policy: policy({ id: 'tight', limit: 1, periodMs: 60_000 }),
    subject: 'x',
  };
  expect((await limiter.check([loose, tight])).allowed).toBe(true);
  const before = await redis.get(limiter.key(loose));
  const refused = await limiter.check([loose, tight]);
  expect(refused).toMatchObject({ allowed: false, policy: { id: 'tight' } });
  expect(await redis.get(limiter.key(loose))).toBe(before);
});

it('admits exactly limit per window under concurrency', async () => {
  const limiter = new RateLimiter(redis, { keyPrefix: prefix, failMode: 'open' });
  const hit: PolicyHit = {
    policy: policy({ id: 'burst', limit: 10, periodMs: 10_000, burst: 10 }),
    subject: 's',
  };
  const results = await Promise.all(Array.from({ length: 50 }, () => limiter.check([hit])));
  expect(results.filter((r) => r.allowed)).toHaveLength(10);
});

describe('Redis unreachable', () => {
  // A Redis of this test's own, on a port below the ephemeral range (testkit's ownRedis):
  // it is stopped and started again, and a fixed port could be taken meanwhile by any
  // outgoing connection on the machine, or by a second run.
  let server: OwnRedis;
  let own: Redis;

  beforeAll(async () => {
    server = await ownRedis();
    await server.start();
    own = new Redis({
      port: server.port,
      host: '127.0.0.1',
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 200,
    });
    own.on('error', () => undefined);
    await waitFor('own redis', async () => (await own.ping().catch(() => '')) === 'PONG');
  });

  afterAll(async () => {
    own.disconnect();
    await server.remove();
  });

  it('fail open admits, fail closed defers, and both recover when Redis returns', async () => {
    const errors: unknown[] = [];
    const open = new RateLimiter(own, { failMode: 'open', onRedisError: (e) => errors.push(e) });
    const closed = new RateLimiter(own, {
      failMode: 'closed',
      failClosedRetryMs: 7_000,
      now: () => 1_000,
    });
    const hit: PolicyHit = {
      policy: policy({ id: 'f', limit: 1, periodMs: 60_000 }),
      subject: 'z',
    };
    expect(await open.check([hit])).toEqual({ allowed: true, remaining: 0, resetMs: 60_000 });
    await server.stop();
    await waitFor('redis down', async () => (await own.ping().catch(() => 'down')) === 'down');
    expect(await open.check([hit])).toEqual({ allowed: true, failedOpen: true });
    expect(errors.length).toBeGreaterThan(0);
    expect(await closed.check([hit])).toEqual({
      allowed: false,
      retryAt: 8_000,
      reason: 'rate limiter unavailable (fail closed)',
    });
    // Started again empty (no persistence): the policy's state is gone, so it admits again.
    await server.start();
    await waitFor('redis back', async () => (await own.ping().catch(() => '')) === 'PONG');
    expect(await closed.check([hit])).toEqual({ allowed: true, remaining: 0, resetMs: 60_000 });
    expect((await closed.check([hit])).allowed).toBe(false);
  });
});

it('counts a single policy’s remaining burst down, and says nothing of it for several policies', async () => {
  const limiter = new RateLimiter(redis, { keyPrefix: prefix, failMode: 'open' });
  // 3 per minute, all usable at once (burst 3): what the API's per-key limit does.
  const hit: PolicyHit = {
    policy: policy({ id: 'burst', limit: 3, periodMs: 60_000, burst: 3 }),
    subject: 'k',
  };
  const seen = [];
  for (let i = 0; i < 3; i++) seen.push(await limiter.check([hit]));
  expect(seen.map((d) => (d.allowed ? d.remaining : 'refused'))).toEqual([2, 1, 0]);
  expect(seen[0]).toMatchObject({ resetMs: expect.any(Number) });
  expect((await limiter.check([hit])).allowed).toBe(false);
  const other: PolicyHit = { policy: policy({ id: 'other' }), subject: 'k' };
  expect(await limiter.check([{ ...hit, subject: 'k2' }, other])).toEqual({ allowed: true });
});
