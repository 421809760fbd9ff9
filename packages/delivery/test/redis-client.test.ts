/**
 * The stage-mode client on the stack's Redis, single or Cluster (REDIS_URL
 * redis+cluster://…): a script whose key count is its first argument (how the rate
 * limiter's GCRA script is called) runs while other commands are in flight. On a
 * Cluster, ioredis' auto-pipelining grouped such calls with commands of other slots and
 * refused them ("All keys in the pipeline should belong to the same slots allocation
 * group"); the Cluster client does without it (explicit pipelines are per node).
 */
import { Cluster } from 'ioredis';
import { createRedisClient, pipelineByNode, setMany, type SetEntry } from '@herald/delivery';
import { deleteRedisKeys, stackEnv, uniquePrefix } from '@herald/testkit';

const prefix = uniquePrefix();
const redis = createRedisClient(stackEnv().REDIS_URL, { mode: 'stage', commandTimeoutMs: 5_000 });
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
  const replies = await pipelineByNode(
    redis,
    Array.from({ length: 30 }, (_, i) => i),
    (i) => `${prefix}{s${i}}`,
    (pipeline, i) => pipeline.get(`${prefix}{s${i}}`),
  );
  expect(replies).toEqual(Array.from({ length: 30 }, (_, i) => [null, String(i)]));
});

describe('setMany', () => {
  const entries = (tag: string, n: number, value: (i: number) => string, ttlMs: number) =>
    Array.from({ length: n }, (_, i): SetEntry => ({
      key: `${prefix}{${tag}${i}}`,
      value: value(i),
      ttlMs,
    }));
  const values = (list: readonly SetEntry[]) =>
    pipelineByNode(
      redis,
      list,
      (e) => e.key,
      (pipeline, e) => pipeline.get(e.key),
    );
  const ttls = (list: readonly SetEntry[]) =>
    pipelineByNode(
      redis,
      list,
      (e) => e.key,
      (pipeline, e) => pipeline.pttl(e.key),
    );

  it('with nx, sets the absent keys only and answers as SET NX would, in order', async () => {
    // 1,201 keys: more than two script calls' worth (500 each), so replies must be
    // stitched back across calls in the entries' order.
    const all = entries('nx', 1_201, (i) => `first-${i}`, 60_000);
    const held = all.filter((_, i) => i % 3 === 0);
    expect(await setMany(redis, held, { nx: true })).toEqual(held.map(() => [null, 'OK']));
    const second = all.map((e, i) => ({ ...e, value: `second-${i}` }));
    const replies = await setMany(redis, second, { nx: true });
    expect(replies).toEqual(all.map((_, i) => [null, i % 3 === 0 ? null : 'OK']));
    expect(await values(all)).toEqual(
      all.map((_, i) => [null, i % 3 === 0 ? `first-${i}` : `second-${i}`]),
    );
  });

  it('without nx, overwrites every key, each with its own time to live', async () => {
    const list = entries('all', 700, (i) => `old-${i}`, 60_000);
    await setMany(redis, list, { nx: false });
    const fresh = list.map((e, i) => ({ ...e, value: `new-${i}`, ttlMs: 1_000_000 + i }));
    expect(await setMany(redis, fresh, { nx: false })).toEqual(fresh.map(() => [null, 'OK']));
    expect(await values(fresh)).toEqual(fresh.map((_, i) => [null, `new-${i}`]));
    const left = await ttls(fresh);
    left.forEach(([err, ms], i) => {
      expect(err).toBeNull();
      // Set just now with 1,000,000 + i ms: within the few seconds this test takes.
      expect(Number(ms)).toBeLessThanOrEqual(1_000_000 + i);
      expect(Number(ms)).toBeGreaterThan(1_000_000 + i - 10_000);
    });
  });

  it('runs `last` after the SETs and hands its reply to `checkLast`', async () => {
    const list = entries('last', 3, () => 'v', 60_000);
    const seen: unknown[] = [];
    await setMany(
      redis,
      list,
      { nx: false },
      (pipeline) => void pipeline.call('WAIT', 0, 10),
      ([err, reply]) => seen.push(err ?? reply),
    );
    // WAIT answers with the replicas that acknowledged; on a Cluster once per node.
    expect(seen.length).toBeGreaterThanOrEqual(1);
    for (const reply of seen) expect(typeof reply).toBe('number');
    await expect(
      setMany(
        redis,
        list,
        { nx: false },
        (pipeline) => void pipeline.call('WAIT', 0, 10),
        () => {
          throw new Error('not enough replicas');
        },
      ),
    ).rejects.toThrow('not enough replicas');
  });

  it('fails the entries of a call Redis refuses: on a single Redis, the whole call', async () => {
    const list = [
      ...entries('ok', 2, () => 'v', 60_000),
      { key: `${prefix}{bad}`, value: 'v', ttlMs: -5 },
    ];
    // A negative time to live is refused: inside the script it ends the call, so its
    // entries all fail; on a Cluster each key is its own SET, and only that one fails.
    const replies = await setMany(redis, list, { nx: false });
    expect(replies.map(([err]) => err instanceof Error)).toEqual(
      redis instanceof Cluster ? [false, false, true] : [true, true, true],
    );
  });

  it('answers an empty list without a round trip', async () => {
    expect(await setMany(redis, [], { nx: true })).toEqual([]);
  });
});
