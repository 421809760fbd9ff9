/**
 * The marks' Redis client against real Redis: the stack's (single, or the Redis Cluster
 * when REDIS_URL is `redis+cluster://`) for what it answers, and one of the test's own
 * for how it fails: a Redis that is slow, gone, or never there.
 */
import { Redis } from 'ioredis';
import { MarkScript, MarksRedis } from '@herald/delivery';
import {
  deleteRedisKeys,
  freePort,
  ownRedis,
  stackEnv,
  stackRedis,
  uniquePrefix,
} from '@herald/testkit';

const prefix = uniquePrefix();
const inspect = stackRedis();
const marks = new MarksRedis(stackEnv().REDIS_URL, { timeoutMs: 5_000 });

beforeAll(() => marks.connect());
afterAll(async () => {
  await deleteRedisKeys(inspect, prefix);
  inspect.disconnect();
  await marks.close();
});

it('writes a batch of marks across slots, NX only where asked, and reads them back in order', async () => {
  const keys = Array.from({ length: 40 }, (_, i) => `${prefix}{m${i}}`);
  await inspect.set(keys[3]!, 'held', 'PX', 60_000);
  const { replies } = await marks.setMany(
    keys.map((key, i) => ({ key, value: `v${i}`, ttlMs: 30_000, ifAbsent: i < 10 })),
  );
  // Key 3 was held and asked NX: refused; every other one written.
  expect(replies).toEqual(keys.map((_, i) => (i === 3 ? null : 'OK')));
  expect(await marks.getMany([...keys, `${prefix}{absent}`])).toEqual([
    ...keys.map((_, i) => (i === 3 ? 'held' : `v${i}`)),
    null,
  ]);
  const ttl = await inspect.pttl(keys[20]!);
  expect(ttl).toBeGreaterThan(25_000);
  expect(ttl).toBeLessThanOrEqual(30_000);
});

it('runs a script Redis has not seen (EVAL after NOSCRIPT), then by its SHA1', async () => {
  // The prefix makes the source, so the SHA1, new to this Redis.
  const script = new MarkScript(`-- ${prefix}\nreturn {KEYS[1], ARGV[1]}`);
  const calls = Array.from({ length: 12 }, (_, i) => ({
    key: `${prefix}{s${i}}`,
    args: [`a${i}`],
  }));
  const first = await marks.evalMany(script, calls);
  expect(first.replies).toEqual(calls.map((c) => [c.key, c.args[0]]));
  const again = await marks.evalMany(script, calls.slice(0, 2));
  expect(again.replies).toEqual([
    [calls[0]!.key, 'a0'],
    [calls[1]!.key, 'a1'],
  ]);
});

it('bounds each command by timeoutMs: a Redis that stops answering fails the batch, not hangs it', async () => {
  const own = await ownRedis(['--enable-debug-command', 'yes']);
  await own.start();
  const slow = new MarksRedis(`redis://127.0.0.1:${own.port}`, { timeoutMs: 200 });
  const blocker = new Redis({ port: own.port, lazyConnect: true });
  try {
    await slow.connect();
    await blocker.connect();
    const sleeping = blocker.call('DEBUG', 'SLEEP', '1.5');
    await new Promise((r) => setTimeout(r, 50)); // the server is asleep
    const started = performance.now();
    await expect(slow.setMany([{ key: 'k', value: 'v', ttlMs: 1_000 }])).rejects.toThrow(
      'redis did not answer within 200 ms',
    );
    expect(performance.now() - started).toBeLessThan(1_000);
    await sleeping;
  } finally {
    blocker.disconnect();
    await slow.close();
    await own.remove();
  }
});

it('fails fast while Redis is gone and carries on once it is back', async () => {
  const own = await ownRedis();
  await own.start();
  const client = new MarksRedis(`redis://127.0.0.1:${own.port}`, { timeoutMs: 2_000 });
  try {
    await client.connect();
    await own.stop();
    const started = performance.now();
    await expect(client.getMany(['k'])).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(1_000); // no offline queue
    await own.start();
    const deadline = Date.now() + 10_000;
    let replies: (string | null)[] | undefined;
    while (replies === undefined && Date.now() < deadline) {
      replies = await client.getMany(['k']).catch(async () => {
        await new Promise((r) => setTimeout(r, 100));
        return undefined;
      });
    }
    expect(replies).toEqual([null]);
  } finally {
    await client.close();
    await own.remove();
  }
});

it('connect() says so when Redis is not there within connectTimeoutMs', async () => {
  const port = await freePort();
  const absent = new MarksRedis(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 300 });
  await expect(absent.connect()).rejects.toThrow('redis was not ready within 300 ms');
  await expect(absent.setMany([{ key: 'k', value: 'v', ttlMs: 1_000 }])).rejects.toThrow();
  await absent.close();
});

it('a closed client stays closed: a later call fails instead of connecting again', async () => {
  const closing = new MarksRedis(stackEnv().REDIS_URL);
  await closing.connect();
  await closing.close();
  await expect(closing.getMany([`${prefix}{after-close}`])).rejects.toThrow(/closed/i);
});
