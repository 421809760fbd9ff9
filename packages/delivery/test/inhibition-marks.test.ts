/** The router's inhibition marks against the real Redis of the local stack, through the entry point. */
import { MarksRedis, RedisInhibition } from '@herald/delivery';
import { silentLogger } from '@herald/core';
import { deleteRedisKeys, freePort, stackEnv, stackRedis, uniquePrefix } from '@herald/testkit';

const prefix = uniquePrefix();
const redis = stackRedis();
const client = new MarksRedis(stackEnv().REDIS_URL, { timeoutMs: 2_000 });
const marks = new RedisInhibition(client, silentLogger);

beforeAll(() => marks.start());
afterAll(async () => {
  await deleteRedisKeys(redis, prefix);
  redis.disconnect();
  await marks.stop();
});

it('writes marks with their window as expiry, a later one replacing the earlier, and reads them back', async () => {
  const key = `${prefix}herald:inhibit:acme:r:abc`;
  await marks.mark([{ key, value: '{"id":"e1","until":1}', ttlMs: 60_000 }]);
  await marks.mark([{ key, value: '{"id":"e2","until":2}', ttlMs: 30_000 }]);
  expect(await marks.read([key, `${prefix}herald:inhibit:none`])).toEqual([
    '{"id":"e2","until":2}',
    null,
  ]);
  const ttl = await redis.pttl(key);
  expect(ttl).toBeGreaterThan(25_000);
  expect(ttl).toBeLessThanOrEqual(30_000);
});

it('fails open when Redis is unreachable: nothing is written, lookups find nothing, nothing throws', async () => {
  const port = await freePort();
  const down = new RedisInhibition(
    new MarksRedis(`redis://127.0.0.1:${port}`, { timeoutMs: 500, connectTimeoutMs: 500 }),
    silentLogger,
  );
  await down.start();
  await down.mark([{ key: 'k', value: 'v', ttlMs: 1_000 }]);
  expect(await down.read(['k', 'l'])).toEqual([null, null]);
  await down.stop();
});
