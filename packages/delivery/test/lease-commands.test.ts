/**
 * What the leases cost in Redis commands, counted by a Redis of the test's own
 * (`INFO commandstats` counts the commands a script runs too), and that the cheap path
 * decides exactly as the acquire script does: a fresh notification costs one `SET NX`;
 * a sent mark, our own lease or another owner's lease goes on to the script.
 */
import { Redis } from 'ioredis';
import { topicNames, type ConsumedRecord, type DeliveryJob } from '@herald/core';
import {
  createChunkHandler,
  createDeliveryPipeline,
  IdempotencyStore,
  MarksRedis,
  type SendPort,
} from '@herald/delivery';
import { ownRedis, type OwnRedis } from '@herald/testkit';
import { jobRecord, webhookJob, webhookPipelineDeps } from './webhook-fixtures.js';

const topics = topicNames('lease-commands.');
let own: OwnRedis;
let redis: Redis;
let marks: MarksRedis;

beforeAll(async () => {
  own = await ownRedis();
  await own.start();
  redis = new Redis({ port: own.port, lazyConnect: true });
  await redis.connect();
  marks = new MarksRedis(`redis://127.0.0.1:${own.port}`);
  await marks.connect();
});

afterAll(async () => {
  redis.disconnect();
  await marks.close();
  await own.remove();
});

/**
 * Calls per command since the last reset that ran, e.g. { set: 3, evalsha: 1 }: an
 * EVALSHA refused with NOSCRIPT (the script's first run on this Redis) is not counted.
 */
async function commandCalls(): Promise<Record<string, number>> {
  const info = await redis.info('commandstats');
  const calls: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)(?:.*failed_calls=(\d+))?/gm))
    if (!/^(info|config)\b/.test(m[1]!)) {
      const ran = Number(m[2]) - Number(m[3] ?? 0);
      if (ran > 0) calls[m[1]!] = ran; // this test's own
    }
  return calls;
}

async function resetCalls(): Promise<void> {
  await redis.config('RESETSTAT');
}

it('a fresh lease is one SET NX; only keys already there go to the script', async () => {
  const store = new IdempotencyStore(marks, { keyPrefix: 'a:', leaseMs: 60_000 });
  await resetCalls();
  expect(
    await store.acquireMany(
      Array.from({ length: 10 }, (_, i) => ({ notificationId: `f${i}`, owner: `me/0/${i}` })),
    ),
  ).toEqual(Array.from({ length: 10 }, () => ({ status: 'acquired' })));
  expect(await commandCalls()).toEqual({ set: 10 });
  expect(await redis.get(store.key('f3'))).toBe('lease:me/0/3');
  expect(await redis.pttl(store.key('f3'))).toBeGreaterThan(59_000);

  // Our own lease with little time left (a retried chunk), another owner's lease, a sent
  // mark and a fresh key, in one call: each decided as the script decides it.
  await redis.set(store.key('own'), 'lease:me/0/20', 'PX', 1_000);
  await redis.set(store.key('other'), 'lease:them/1/5', 'PX', 30_000);
  await redis.set(store.key('done'), 'sent:{"attempt":2}', 'PX', 60_000);
  await resetCalls();
  expect(
    await store.acquireMany([
      { notificationId: 'own', owner: 'me/0/20' },
      { notificationId: 'other', owner: 'me/0/21' },
      { notificationId: 'done', owner: 'me/0/22' },
      { notificationId: 'new', owner: 'me/0/23' },
    ]),
  ).toEqual([
    { status: 'acquired' },
    { status: 'busy', retryInMs: expect.any(Number) },
    { status: 'sent', summary: '{"attempt":2}' },
    { status: 'acquired' },
  ]);
  // Four SET NX, then the script for the three keys that were there (its GETs, one
  // PEXPIRE, one PTTL); EVALSHA first, EVAL where Redis did not have the script yet.
  const { eval: evals = 0, evalsha = 0, ...rest } = await commandCalls();
  expect(evals + evalsha).toBe(3);
  expect(rest).toEqual({ set: 4, get: 3, pexpire: 1, pttl: 1 });
  expect(await redis.pttl(store.key('own'))).toBeGreaterThan(59_000); // the lease was renewed
  expect(await redis.get(store.key('other'))).toBe('lease:them/1/5'); // untouched
  expect(await redis.get(store.key('done'))).toBe('sent:{"attempt":2}'); // untouched
});

it('a chunk sent once is not sent again when it is retried or redelivered elsewhere', async () => {
  const job = (n: number): DeliveryJob => webhookJob('retry-', n);

  const record = (n: number, offset: number): ConsumedRecord =>
    jobRecord(topics.deliveries('webhook'), job(n), offset);

  let sends = 0;
  const channels: SendPort = {
    providerFor: () => ({ name: 'webhook' }),
    send: async () => {
      sends++;
      return { status: 'sent', provider: { statusCode: 204 } };
    },
  };
  const handlerOf = (instanceId: string) =>
    createChunkHandler(
      createDeliveryPipeline(
        webhookPipelineDeps({ topics, channels, marks, keyPrefix: 'b:', instanceId }),
      ),
      { concurrency: 4 },
    );
  const signal = new AbortController().signal;
  const chunk = [1, 2, 3].map((n) => record(n, n));
  await resetCalls();
  const first = await handlerOf('worker-a').handle(chunk, signal);
  expect(sends).toBe(3);
  expect(first.filter((m) => m.topic === topics.status)).toHaveLength(3); // sent each (no sending)
  // Per job: one SET NX (the lease) and one SET (the sent mark); no script.
  expect(await commandCalls()).toEqual({ set: 6 });

  // The same chunk again in the same worker (a failed commit), then in another worker
  // (the partition handed over), and the same jobs at other offsets (a duplicate record).
  for (const [instance, records] of [
    ['worker-a', chunk],
    ['worker-b', chunk],
    ['worker-b', [1, 2, 3].map((n) => record(n, 100 + n))],
  ] as const) {
    const again = await handlerOf(instance).handle(records, signal);
    expect(sends).toBe(3);
    const sent = again.map((m) => JSON.parse(m.value.toString()) as { data: { state: string } });
    expect(sent.map((s) => s.data.state)).toEqual(['sent', 'sent', 'sent']);
  }
});
