/**
 * Records a handler defers (`HandledChunk.deferred`; the auditor's hold of a `queued`
 * status, issue 19 item 3), on a real Kafka: presented again first with the next chunk,
 * or alone by their `until`; the commit never passes one, so a restart or a new owner
 * reads them again; kafkajs refuses a deferral instead of dropping it.
 */
import { silentLogger, type ConsumedRecord } from '@herald/core';
import {
  deleteTopicsWithPrefix,
  ensureTopics,
  StageConsumer,
  type StageHandler,
} from '@herald/kafka';
import { uniquePrefix, waitFor } from '@herald/testkit';
import { testKafka, type Client } from './clients.js';

describe('deferred records', () => {
  const prefix = uniquePrefix();
  const platformatic = testKafka('platformatic', 'defer');
  const stages: StageConsumer[] = [];

  afterAll(async () => {
    for (const stage of stages) await stage.stop();
    await deleteTopicsWithPrefix(platformatic, prefix);
  });

  async function topicWith(name: string, partitions: number, values: string[]): Promise<string> {
    const topic = `${prefix}${name}`;
    await ensureTopics(platformatic, [{ topic, partitions, replicationFactor: 1 }]);
    await produce(topic, values);
    return topic;
  }

  /** `value` goes to partition `p` when written `p/value`, else to partition 0. */
  async function produce(topic: string, values: string[]): Promise<void> {
    const producer = platformatic.producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: values.map((v) => {
        const [p, value] = v.includes('/') ? v.split('/') : ['0', v];
        return { partition: Number(p), key: value!, value: value! };
      }),
    });
    await producer.disconnect();
  }

  async function committed(group: string, topic: string): Promise<number[]> {
    const admin = platformatic.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      return offsets!.partitions
        .sort((a, b) => a.partition - b.partition)
        .map((p) => Number(p.offset));
    } finally {
      await admin.disconnect();
    }
  }

  function stage(
    topic: string,
    group: string,
    handler: StageHandler,
    client: Client = 'platformatic',
  ): StageConsumer {
    const consumer = new StageConsumer({
      kafka: client === 'platformatic' ? platformatic : testKafka(client, 'defer-kafkajs'),
      groupId: `${prefix}${group}`,
      topics: [topic],
      logger: silentLogger,
      chunkSize: 50,
      shutdownTimeoutMs: 10_000,
      retry: { initialMs: 50, maxMs: 200 },
      sessionTimeoutMs: 10_000,
      handler,
    });
    stages.push(consumer);
    return consumer;
  }

  const valueOf = (r: ConsumedRecord) => r.value!.toString();

  /** A handler that defers records whose value starts with `d` until `untilMs` from now, while `defer()` says so. */
  function deferring(untilMs: number, defer: () => boolean = () => true) {
    const chunks: string[][] = [];
    const handled: string[] = [];
    const handler: StageHandler = {
      handle: async (records) => {
        chunks.push(records.map(valueOf));
        const held = defer() ? records.filter((r) => valueOf(r).startsWith('d')) : [];
        for (const r of records) if (!held.includes(r)) handled.push(valueOf(r));
        return held.length === 0
          ? []
          : { outputs: [], deferred: { records: held, until: Date.now() + untilMs } };
      },
    };
    return { chunks, handled, handler };
  }

  it('presents deferred records first with the next chunk; the commit stops at the first of them meanwhile', async () => {
    const topic = await topicWith('next', 1, ['a0', 'd1', 'a2', 'a3']);
    let deferNow = true;
    const { chunks, handled, handler } = deferring(120_000, () => deferNow);
    const consumer = stage(topic, 'next', handler);
    await consumer.start();
    await waitFor('the first records handled', () => handled.length === 3, 30_000);
    // a0 is written, d1 waits: the group's offset may reach 1, never pass it.
    await waitFor('a0 committed', async () => (await committed(`${prefix}next`, topic))[0] === 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(await committed(`${prefix}next`, topic)).toEqual([1]);
    deferNow = false;
    await produce(topic, ['a4']);
    await waitFor('d1 handled with the new record', () => handled.includes('d1'), 30_000);
    expect(chunks.at(-1)).toEqual(['d1', 'a4']);
    await waitFor(
      'committed to the end',
      async () => (await committed(`${prefix}next`, topic))[0] === 5,
    );
    await consumer.stop();
  }, 120_000);

  it('presents a lone deferred record again by its until when nothing arrives', async () => {
    const topic = await topicWith('idle', 1, ['a0', 'd1']);
    let first = true;
    const { chunks, handled, handler } = deferring(800, () => {
      const now = first;
      first = false;
      return now;
    });
    const consumer = stage(topic, 'idle', handler);
    await consumer.start();
    await waitFor('d1 handled alone', () => handled.includes('d1'), 30_000);
    expect(chunks.at(-1)).toEqual(['d1']);
    await waitFor(
      'committed to the end',
      async () => (await committed(`${prefix}idle`, topic))[0] === 2,
    );
    await consumer.stop();
  }, 60_000);

  it('a stop leaves deferred records uncommitted: the next start reads them again', async () => {
    const topic = await topicWith('restart', 1, ['a0', 'd1', 'a2']);
    const first = deferring(120_000);
    const one = stage(topic, 'restart', first.handler);
    await one.start();
    await waitFor('a0 and a2 handled', () => first.handled.length === 2, 30_000);
    await one.stop();
    expect(await committed(`${prefix}restart`, topic)).toEqual([1]);
    // A new member of the group (as after a crash): d1 again, then a2 (a duplicate).
    const second = deferring(0, () => false);
    const two = stage(topic, 'restart', second.handler);
    await two.start();
    await waitFor('d1 and a2 handled again', () => second.handled.length === 2, 30_000);
    expect(second.handled).toEqual(['d1', 'a2']);
    await waitFor(
      'committed to the end',
      async () => (await committed(`${prefix}restart`, topic))[0] === 3,
    );
    await two.stop();
  }, 120_000);

  it('drops the deferred records of a partition lost in a rebalance; its new owner handles them', async () => {
    const topic = await topicWith('rebalance', 2, ['0/a0', '0/d1', '1/a0', '1/d1']);
    const a = deferring(120_000);
    const one = stage(topic, 'rebalance', a.handler);
    await one.start();
    await waitFor('a0 of both partitions handled', () => a.handled.length === 2, 30_000);
    await waitFor(
      'each partition committed up to its deferred record',
      async () => (await committed(`${prefix}rebalance`, topic)).join() === '1,1',
    );
    // A second member takes one partition; it handles what the first deferred there.
    const b = deferring(0, () => false);
    const two = stage(topic, 'rebalance', b.handler);
    await two.start();
    await waitFor(
      'the new owner handled its partition’s d1',
      () => b.handled.includes('d1'),
      60_000,
    );
    expect(b.handled).toEqual(['d1']);
    // The first member kept the other partition and still holds its d1, uncommitted.
    const offsets = await committed(`${prefix}rebalance`, topic);
    expect(offsets.sort()).toEqual([1, 2]);
    await two.stop();
    await one.stop();
  }, 120_000);

  it('kafkajs refuses a deferral: the chunk is retried, nothing is dropped', async () => {
    const topic = await topicWith('kafkajs', 1, ['a0', 'd1']);
    let attempts = 0;
    const { handled, handler } = deferring(60_000, () => ++attempts === 1);
    const consumer = stage(topic, 'kafkajs', handler, 'kafkajs');
    expect(consumer.canDefer).toBe(false);
    await consumer.start();
    await waitFor('both handled on the retry', () => handled.includes('d1'), 30_000);
    expect(attempts).toBeGreaterThanOrEqual(2);
    await waitFor(
      'committed to the end',
      async () => (await committed(`${prefix}kafkajs`, topic))[0] === 2,
    );
    await consumer.stop();
  }, 60_000);
});
