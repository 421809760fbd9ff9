/**
 * Sent marks against the real Redis of the local stack (or the Redis Cluster when
 * REDIS_URL is `redis+cluster://`): a send is recorded the moment it succeeds, so a
 * worker that dies later in its chunk leaves nothing for the next owner to send again.
 */
import type { Cluster, Redis } from 'ioredis';
import {
  delayTiers,
  topicNames,
  type ConsumedRecord,
  type DeliveryJob,
  type DeliveryOutcome,
} from '@herald/core';
import {
  createChunkHandler,
  createDeliveryPipeline,
  IdempotencyStore,
  MarksRedis,
  type PipelineDeps,
  type SendPort,
} from '@herald/delivery';
import { deleteRedisKeys, ownRedis, stackEnv, stackRedis, uniquePrefix } from '@herald/testkit';
import { jobRecord, webhookJob, webhookPipelineDeps } from './webhook-fixtures.js';

const prefix = uniquePrefix();
const topics = topicNames(prefix);
let redis: Redis | Cluster;
let marks: MarksRedis;

beforeAll(async () => {
  redis = stackRedis();
  marks = new MarksRedis(stackEnv().REDIS_URL);
  await marks.connect();
});

afterAll(async () => {
  await deleteRedisKeys(redis, prefix);
  redis.disconnect();
  await marks.close();
});

const jobFor = (n: number): DeliveryJob => webhookJob(prefix, n);

const recordOf = (n: number): ConsumedRecord =>
  jobRecord(topics.deliveries('webhook'), jobFor(n), n);

const pipelineDeps = (channels: SendPort, instanceId: string): PipelineDeps =>
  webhookPipelineDeps({ topics, channels, marks, keyPrefix: prefix, instanceId });

function pipelineWith(channels: SendPort, instanceId: string) {
  return createDeliveryPipeline(pipelineDeps(channels, instanceId));
}

const ok: DeliveryOutcome = { status: 'sent', provider: { statusCode: 204 } };

it('a send is marked sent in Redis at once, while the rest of its chunk is still going', async () => {
  let releaseSlow!: () => void;
  const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
  let fastSent!: () => void;
  const fastDone = new Promise<void>((resolve) => (fastSent = resolve));
  const channels: SendPort = {
    providerFor: () => ({ name: 'webhook' }),
    send: async (job) => {
      if (job.payload && (job.payload as { n: number }).n === 2) await slow;
      else fastSent();
      return ok;
    },
  };
  const handler = createChunkHandler(pipelineWith(channels, 'worker-that-dies'), {
    concurrency: 4,
  });
  const chunk = handler.handle([recordOf(1), recordOf(2)], new AbortController().signal);
  await fastDone;
  // Job 1 was sent; job 2's send hangs (the worker could be killed now). Another
  // worker taking the partition over must find job 1 sent, not leased.
  const other = new IdempotencyStore(marks, { keyPrefix: prefix });
  const deadline = Date.now() + 2_000;
  let seen = await other.acquire(jobFor(1).notificationId, 'next-owner');
  while (seen.status !== 'sent' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    seen = await other.acquire(jobFor(1).notificationId, 'next-owner');
  }
  expect(seen).toMatchObject({ status: 'sent' });
  expect((await other.acquire(jobFor(2).notificationId, 'next-owner')).status).toBe('busy');
  releaseSlow();
  await chunk;
  expect((await other.acquire(jobFor(2).notificationId, 'next-owner')).status).toBe('sent');
});

it('the same record handled twice at once in one process is sent once', async () => {
  // kafkajs can hand a partition's batch out again while the first handling still runs
  // (a rebalance rejoins before the other partitions' batches end). Both handlings have
  // the same owner, so the Redis lease lets both through; the process must not.
  let sends = 0;
  let releaseSend!: () => void;
  const sending = new Promise<void>((resolve) => (releaseSend = resolve));
  const channels: SendPort = {
    providerFor: () => ({ name: 'webhook' }),
    send: async () => {
      sends++;
      await sending;
      return ok;
    },
  };
  const pipeline = pipelineWith(channels, 'one-process');
  const first = createChunkHandler(pipeline, { concurrency: 4 });
  const second = createChunkHandler(pipeline, { concurrency: 4 });
  const record = recordOf(3);
  const running = first.handle([record], new AbortController().signal);
  while (sends === 0) await new Promise((r) => setTimeout(r, 5));
  const again = await second.handle([record], new AbortController().signal);
  // The second handling parks the job on the 1 s delay lane instead of sending it.
  expect(again.map((m) => m.topic)).toEqual([topics.delayed('webhook', delayTiers[0])]);
  releaseSend();
  const out = await running;
  expect(sends).toBe(1);
  expect(out.map((m) => m.topic)).toEqual([topics.status]); // its `sent`
});

it('a mark Redis did not take is written once Redis is back, without another chunk', async () => {
  // Redis goes away right after the send: the mark fails at the send and at the chunk's
  // end. Another copy of the job would wait out the lease and then send again unless
  // the mark is in Redis by then.
  const own = await ownRedis();
  await own.start();
  const client = new MarksRedis(`redis://127.0.0.1:${own.port}`);
  await client.connect();
  try {
    const idempotency = new IdempotencyStore(client, { keyPrefix: prefix, leaseMs: 60_000 });
    const channels: SendPort = {
      providerFor: () => ({ name: 'webhook' }),
      send: async () => {
        await own.stop();
        return ok;
      },
    };
    const pipeline = createDeliveryPipeline({
      ...pipelineDeps(channels, 'worker-a'),
      idempotency,
    });
    const out = await createChunkHandler(pipeline, { concurrency: 4 }).handle(
      [recordOf(4)],
      new AbortController().signal,
    );
    expect(out.map((m) => m.topic)).toEqual([topics.status]); // its `sent`
    await own.start();
    const id = jobFor(4).notificationId;
    const deadline = Date.now() + 10_000;
    let seen = await idempotency.acquire(id, 'worker-b').catch(() => undefined);
    while (seen?.status !== 'sent' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      seen = await idempotency.acquire(id, 'worker-b').catch(() => undefined);
    }
    expect(seen).toMatchObject({ status: 'sent' });
  } finally {
    await client.close();
    await own.remove();
  }
});
