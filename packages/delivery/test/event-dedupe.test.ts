/** The router's dedupe marks against the real Redis of the local stack, through the entry point. */
import { MarksRedis, RedisDedupe } from '@herald/delivery';
import { silentLogger } from '@herald/core';
import { deleteRedisKeys, freePort, stackEnv, stackRedis, uniquePrefix } from '@herald/testkit';

const prefix = uniquePrefix();
const redis = stackRedis();
const client = new MarksRedis(stackEnv().REDIS_URL, { timeoutMs: 2_000 });
const dedupe = new RedisDedupe(client, silentLogger);

beforeAll(() => dedupe.start());
afterAll(async () => {
  await deleteRedisKeys(redis, prefix);
  redis.disconnect();
  await dedupe.stop();
});

it('grants the first claim and the same owner again, refuses another owner', async () => {
  const key = `${prefix}herald:event:{e-1}`;
  expect(await dedupe.claim([{ key, owner: 'p0@10', windowMs: 60_000 }])).toEqual([true]);
  // A redelivery of the same record (same Kafka position) is planned again.
  expect(await dedupe.claim([{ key, owner: 'p0@10', windowMs: 60_000 }])).toEqual([true]);
  // The same event id at another position is a duplicate.
  expect(
    await dedupe.claim([
      { key, owner: 'p1@99', windowMs: 60_000 },
      { key: `${prefix}herald:event:{e-2}`, owner: 'p1@100', windowMs: 60_000 },
    ]),
  ).toEqual([false, true]);
  expect(await redis.pttl(key)).toBeGreaterThan(50_000);
});

it('names the owner that holds a refused claim, once per call', async () => {
  const warnings: { fields: object; message: string }[] = [];
  const logger = {
    ...silentLogger,
    warn: (fields: object, message: string) => warnings.push({ fields, message }),
  };
  const watched = new RedisDedupe(client, logger);
  const key = `${prefix}herald:event:{e-held}`;
  expect(await watched.claim([{ key, owner: 'p0@1', windowMs: 60_000 }])).toEqual([true]);
  expect(await watched.claim([{ key, owner: 'p0@1', windowMs: 60_000 }])).toEqual([true]);
  expect(warnings).toEqual([]);
  expect(await watched.claim([{ key, owner: 'p3@7', windowMs: 60_000 }])).toEqual([false]);
  // A rule dedupe key held by another event is normal operation: not logged.
  const ruleKey = `${prefix}rule-key`;
  await watched.claim([{ key: ruleKey, owner: 'evt-a', windowMs: 60_000 }]);
  expect(await watched.claim([{ key: ruleKey, owner: 'evt-b', windowMs: 60_000 }])).toEqual([
    false,
  ]);
  expect(warnings).toEqual([
    {
      fields: { refused: 1, examples: [{ key, owner: 'p3@7', heldBy: 'p0@1' }] },
      message: 'dedupe claims refused: held by another owner',
    },
  ]);
});

it('keys an event by a hash of its source and id, in one Cluster slot', () => {
  const key = RedisDedupe.eventKey(prefix, {
    id: 'evt-1',
    source: 'shop',
    type: 'order.shipped',
    specversion: '1.0',
  });
  expect(key).toMatch(
    new RegExp(`^${prefix.replace(/[.]/g, '\\.')}herald:event:\\{[0-9a-f-]{36}\\}$`),
  );
});

it('fails open when Redis is unreachable: every claim is granted, nothing throws', async () => {
  const port = await freePort();
  const down = new RedisDedupe(
    new MarksRedis(`redis://127.0.0.1:${port}`, { timeoutMs: 500, connectTimeoutMs: 500 }),
    silentLogger,
  );
  await down.start();
  expect(await down.claim([{ key: 'k', owner: 'o', windowMs: 1_000 }])).toEqual([true]);
  await down.stop();
});
