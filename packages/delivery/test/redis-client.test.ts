/**
 * The stage-mode client on the stack's Redis, single or Cluster (REDIS_URL
 * redis+cluster://…): a script whose key count is its first argument (how the rate
 * limiter's GCRA script is called) runs while other commands are in flight. On a
 * Cluster, ioredis' auto-pipelining grouped such calls with commands of other slots and
 * refused them ("All keys in the pipeline should belong to the same slots allocation
 * group"); the Cluster client does without it.
 */
import { createRedisClient } from '@herald/delivery';
import { deleteRedisKeys, stackEnv, uniquePrefix } from '@herald/testkit';

const prefix = uniquePrefix();
const redis = createRedisClient(stackEnv().REDIS_URL, { mode: 'stage' });
type Scripted = typeof redis & {
  heraldKeyCount(n: number, ...keysAndArgs: string[]): Promise<number>;
};

beforeAll(() => redis.connect());
afterAll(async () => {
  await deleteRedisKeys(redis, prefix);
  redis.disconnect();
});

it('runs dynamic-key scripts and plain commands of many slots side by side', async () => {
  redis.defineCommand('heraldKeyCount', { lua: 'return #KEYS' });
  const scripted = redis as Scripted;
  const calls = Array.from({ length: 30 }, (_, i) => [
    scripted.heraldKeyCount(2, `${prefix}{t${i}}:a`, `${prefix}{t${i}}:b`, '1000'),
    redis.set(`${prefix}{s${i}}`, String(i)).then(() => 2),
  ]).flat();
  expect(await Promise.all(calls)).toEqual(calls.map(() => 2));
  const values = await Promise.all(
    Array.from({ length: 30 }, (_, i) => redis.get(`${prefix}{s${i}}`)),
  );
  expect(values).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
});
