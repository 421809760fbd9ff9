/** Idempotency marks against the real Redis of the local stack, through the entry point. */
import calculateSlot from 'cluster-key-slot';
import { Redis, type Cluster } from 'ioredis';
import { IdempotencyStore, MarksRedis } from '@herald/delivery';
import { deleteRedisKeys, freePort, stackEnv, stackRedis, uniquePrefix } from '@herald/testkit';

const prefix = uniquePrefix();
let redis: Redis | Cluster;
let marks: MarksRedis;
let store: IdempotencyStore;

beforeAll(async () => {
  redis = stackRedis();
  marks = new MarksRedis(stackEnv().REDIS_URL);
  await marks.connect();
  store = new IdempotencyStore(marks, { keyPrefix: prefix, leaseMs: 300, ttlMs: 60_000 });
});

afterAll(async () => {
  await deleteRedisKeys(redis, prefix);
  redis.disconnect();
  await marks.close();
});

it('keys carry the notification id as a Cluster hash tag', () => {
  expect(store.key('n-1')).toBe(`${prefix}herald:idem:{n-1}`);
});

it('one owner gets the lease; another is told it is busy; a sent mark wins for everyone', async () => {
  expect(await store.acquire('n-1', 'w1/0/1')).toEqual({ status: 'acquired' });
  expect(await store.acquire('n-1', 'w1/0/1')).toEqual({ status: 'acquired' });
  const busy = await store.acquire('n-1', 'w2/0/7');
  expect(busy.status).toBe('busy');
  expect(busy.status === 'busy' && busy.retryInMs).toBeGreaterThan(0);
  await store.complete('n-1', '{"statusCode":200}');
  expect(await store.acquire('n-1', 'w2/0/7')).toEqual({
    status: 'sent',
    summary: '{"statusCode":200}',
  });
  expect(await redis.pttl(store.key('n-1'))).toBeGreaterThan(50_000);
});

it('release frees only the owner’s lease', async () => {
  await store.acquire('n-2', 'a');
  await store.release('n-2', 'b');
  expect((await store.acquire('n-2', 'b')).status).toBe('busy');
  await store.release('n-2', 'a');
  expect(await store.acquire('n-2', 'b')).toEqual({ status: 'acquired' });
});

it('a crashed owner’s lease expires, so the job is not stuck', async () => {
  await store.acquire('n-3', 'dead-worker');
  await new Promise((r) => setTimeout(r, 400));
  expect(await store.acquire('n-3', 'new-worker')).toEqual({ status: 'acquired' });
});

it('concurrent acquirers: exactly one wins', async () => {
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => store.acquire('n-4', `owner-${i}`)),
  );
  expect(results.filter((r) => r.status === 'acquired')).toHaveLength(1);
});

it('acquireMany decides each lease as acquire would, in the order asked, in one round trip', async () => {
  await store.acquire('m-busy', 'other-owner');
  await store.acquire('m-sent', 'x');
  await store.complete('m-sent', '{"attempt":1}');
  await store.acquire('m-own', 'me/0/3');
  expect(
    await store.acquireMany([
      { notificationId: 'm-new', owner: 'me/0/1' },
      { notificationId: 'm-busy', owner: 'me/0/2' },
      { notificationId: 'm-sent', owner: 'me/0/4' },
      { notificationId: 'm-own', owner: 'me/0/3' },
    ]),
  ).toEqual([
    { status: 'acquired' },
    { status: 'busy', retryInMs: expect.any(Number) },
    { status: 'sent', summary: '{"attempt":1}' },
    { status: 'acquired' },
  ]);
  expect(await redis.get(store.key('m-new'))).toBe('lease:me/0/1');
  expect(await store.acquireMany([])).toEqual([]);
});

it('completeMany writes every sent mark in one round trip', async () => {
  const ids = Array.from({ length: 50 }, (_, i) => `c-${i}`);
  await store.completeMany(ids.map((id) => ({ notificationId: id, summary: `{"n":"${id}"}` })));
  // One GET each: on a Cluster the marks live in different slots (no MGET across them).
  const values = await Promise.all(ids.map((id) => redis.get(store.key(id))));
  expect(values).toEqual(ids.map((id) => `sent:{"n":"${id}"}`));
  expect(await store.acquire('c-7', 'someone')).toEqual({ status: 'sent', summary: '{"n":"c-7"}' });
  await store.completeMany([]);
});

it('an unreachable Redis surfaces as a DependencyError', async () => {
  const down = new MarksRedis(`redis://127.0.0.1:${await freePort()}`, { connectTimeoutMs: 200 });
  const s = new IdempotencyStore(down);
  await expect(down.connect()).rejects.toThrow('redis was not ready within 200 ms');
  await expect(s.acquire('n-5', 'x')).rejects.toMatchObject({
    name: 'DependencyError',
    dependency: 'redis',
  });
  await expect(s.acquireMany([{ notificationId: 'n-5', owner: 'x' }])).rejects.toMatchObject({
    name: 'DependencyError',
    dependency: 'redis',
  });
  await expect(s.complete('n-5', '{}')).rejects.toMatchObject({ name: 'DependencyError' });
  await expect(s.completeMany([{ notificationId: 'n-5', summary: '{}' }])).rejects.toMatchObject({
    name: 'DependencyError',
  });
  await expect(s.release('n-5', 'x')).rejects.toMatchObject({ name: 'DependencyError' });
  await down.close();
});

it('with waitReplicas, a lease and a mark reach a replica before the call returns', async () => {
  // A single Redis of the local stack has no replica: the lease's WAIT times out and it
  // goes on; the mark is written but not copied, so the call fails (the pipeline keeps
  // it and writes it again). On a Cluster each primary has a replica, which acknowledges
  // at once: the replica holds the mark when the call returns.
  const waitMs = 300;
  const waiting = new IdempotencyStore(marks, {
    keyPrefix: prefix,
    waitReplicas: 1,
    waitMs,
    ttlMs: 60_000,
  });
  const started = performance.now();
  expect(await waiting.acquire('w-1', 'me')).toEqual({ status: 'acquired' });
  const marking = waiting.completeMany([{ notificationId: 'w-1', summary: '{"attempt":1}' }]);
  if (redis instanceof Redis) {
    await expect(marking).rejects.toMatchObject({
      name: 'DependencyError',
      message: expect.stringContaining('sent marks reached 0 of 1 replicas within 300 ms'),
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * waitMs - 20); // both waited
    return;
  }
  await marking;
  expect(performance.now() - started).toBeLessThan(2 * waitMs);
  expect(await waiting.acquire('w-1', 'other')).toEqual({
    status: 'sent',
    summary: '{"attempt":1}',
  });
  const key = waiting.key('w-1');
  const [, ...replicas] = (redis as Cluster).slots[calculateSlot(key)] ?? [];
  const replica = (redis as Cluster)
    .nodes('slave')
    .find((node) => replicas.includes(`${node.options.host}:${node.options.port}`));
  expect(replica).toBeDefined();
  await replica!.call('READONLY');
  expect(await replica!.get(key)).toBe('sent:{"attempt":1}');
});
