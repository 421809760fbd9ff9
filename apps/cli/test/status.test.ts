/**
 * `herald status` against the real Kafka and Redis of the local stack: services, the
 * lag of Herald's consumer groups, the DLQ backlog, and breaker states published by
 * workers through `publishBreakerStates` (packages/delivery).
 */
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { buildCli, parseCliEnv } from '@herald/cli';
import { silentLogger, topicNames } from '@herald/core';
import {
  breakerIndexKey,
  breakerStateKey,
  publishBreakerStates,
  type BreakerSnapshot,
  type BreakerStatePublisher,
} from '@herald/delivery';
import { deleteTopics, ensureTopics } from '@herald/kafka';
import { stackEnv, uniquePrefix } from '@herald/testkit';

const prefix = uniquePrefix();
const topics = topicNames(prefix);
const routerGroup = `${prefix}herald-router`;
const workerGroup = `${prefix}herald-worker-webhook`;
const kafka = new Kafka({
  clientId: 'cli-status-test',
  brokers: stackEnv().KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
const redis = new Redis(stackEnv().REDIS_URL);
const env = parseCliEnv({
  KAFKA_BROKERS: stackEnv().KAFKA_BROKERS,
  DATABASE_URL: stackEnv().DATABASE_URL,
  REDIS_URL: stackEnv().REDIS_URL,
  HERALD_TOPIC_PREFIX: prefix,
});
const publishers: BreakerStatePublisher[] = [];

async function herald(...args: string[]): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  await buildCli(env, silentLogger, out).parseAsync(['node', 'herald', ...args]);
  return text;
}

const open: BreakerSnapshot = {
  endpoint: 'webhook:hooks.example.com',
  state: 'open',
  requests: 24,
  failures: 18,
  openedAt: Date.parse('2030-01-01T10:00:00Z'),
  changes: 1,
};

beforeAll(async () => {
  await admin.connect();
  await ensureTopics(kafka, [
    { topic: topics.events, partitions: 1, replicationFactor: 1 },
    { topic: topics.deliveries('webhook'), partitions: 2, replicationFactor: 1 },
    { topic: topics.dlq, partitions: 1, replicationFactor: 1 },
  ]);
  const producer = kafka.producer();
  await producer.connect();
  const records = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `r${i}` }));
  await producer.send({ topic: topics.events, acks: -1, messages: records(5) });
  await producer.send({
    topic: topics.deliveries('webhook'),
    acks: -1,
    messages: records(4).map((m, i) => ({ ...m, partition: i % 2 })),
  });
  await producer.send({ topic: topics.dlq, acks: -1, messages: records(3) });
  await producer.disconnect();
  // Committed offsets as a stopped router and worker would have left them.
  await admin.setOffsets({
    groupId: routerGroup,
    topic: topics.events,
    partitions: [{ partition: 0, offset: '2' }],
  });
  await admin.setOffsets({
    groupId: workerGroup,
    topic: topics.deliveries('webhook'),
    partitions: [
      { partition: 0, offset: '2' },
      { partition: 1, offset: '0' },
    ],
  });
}, 60_000);

afterAll(async () => {
  for (const p of publishers) await p.stop();
  await redis.del(breakerIndexKey(prefix), breakerStateKey(prefix, open.endpoint));
  redis.disconnect();
  await admin.deleteGroups([routerGroup, workerGroup]).catch(() => undefined);
  await admin.disconnect();
  await deleteTopics(kafka, [topics.events, topics.deliveries('webhook'), topics.dlq]);
}, 60_000);

describe('herald status', () => {
  it('reports services, lag per Herald group and topic, and the DLQ backlog as JSON', async () => {
    const report = JSON.parse(await herald('status', '--json')) as Record<string, unknown>;
    expect(report.services).toEqual([
      { name: 'kafka', address: stackEnv().KAFKA_BROKERS.split(',')[0], up: true },
      { name: 'postgres', address: expect.stringMatching(/:\d+$/), up: true },
      { name: 'redis', address: expect.stringMatching(/:\d+$/), up: true },
    ]);
    expect(report.consumerGroups).toEqual([
      { group: routerGroup, state: 'Empty', members: 0, topic: topics.events, lag: 3 },
      {
        group: workerGroup,
        state: 'Empty',
        members: 0,
        topic: topics.deliveries('webhook'),
        lag: 2,
      },
    ]);
    // Nobody replayed: every retained record counts.
    expect(report.dlq).toEqual({ topic: topics.dlq, messages: 3 });
    expect(report.breakers).toEqual([]);
  });

  it('shows the breakers workers publish, ignores expired ones, and forgets a stopped worker', async () => {
    const dead = publishBreakerStates(redis, () => [], {
      keyPrefix: prefix,
      worker: 'dead-worker:1',
      channels: ['webhook'],
      intervalMs: 60_000,
      ttlMs: 1_000,
    });
    const live = publishBreakerStates(redis, () => [open], {
      keyPrefix: prefix,
      worker: 'worker-a:42',
      channels: ['webhook', 'slack'],
      intervalMs: 60_000,
    });
    publishers.push(dead, live);
    // A worker that published long ago and died: its field outlives it in the hash.
    await dead.publish([{ ...open, state: 'closed' }], Date.now() - 120_000);
    await live.publish([open]);

    const report = JSON.parse(await herald('status', '--json')) as { breakers: unknown[] };
    expect(report.breakers).toEqual([
      {
        endpoint: 'webhook:hooks.example.com',
        state: 'open',
        requests: 24,
        failures: 18,
        openedAt: open.openedAt,
        changes: 1,
        worker: 'worker-a:42',
        channels: ['webhook', 'slack'],
        updatedAt: expect.any(Number),
        expiresAt: expect.any(Number),
      },
    ]);

    const text = await herald('status');
    expect(text).toMatch(/^SERVICES\nservice +address +state\nkafka +\S+ +up$/m);
    expect(text).toMatch(
      new RegExp(`^${routerGroup.replace(/\./g, '\\.')} +Empty +0 +${topics.events} +3$`, 'm'),
    );
    expect(text).toContain(`DEAD LETTERS\n${topics.dlq}: 3 not replayed`);
    expect(text).toMatch(
      /^webhook:hooks\.example\.com +open +worker-a:42 +webhook,slack +24 +18 +2030-01-01T10:00:00\.000Z$/m,
    );

    await live.stop();
    const after = JSON.parse(await herald('status', '--json')) as { breakers: unknown[] };
    expect(after.breakers).toEqual([]);
  });
});
