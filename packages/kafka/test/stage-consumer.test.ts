import { silentLogger } from '@herald/core';
import {
  deleteTopics,
  ensureTopics,
  StageConsumer,
  type ConsumedRecord,
  type StageHandler,
} from '@herald/kafka';
import { uniquePrefix, waitFor } from '@herald/testkit';
import { clients, testKafka } from './clients.js';

describe.each(clients)('StageConsumer on %s', (client) => {
  const prefix = uniquePrefix();
  const input = `${prefix}in`;
  const output = `${prefix}out`;
  const kafka = testKafka(client, 'stage-test');
  const seen: string[] = [];
  const consumers: StageConsumer[] = [];

  async function produce(values: string[]): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: input, messages: values.map((value) => ({ key: 'k', value })) });
    await producer.disconnect();
  }

  function stage(handler: StageHandler, groupSuffix = 'g'): StageConsumer {
    const consumer = new StageConsumer({
      kafka,
      groupId: `${prefix}${groupSuffix}`,
      topics: [input],
      handler,
      logger: silentLogger,
      chunkSize: 10,
      retry: { initialMs: 50, maxMs: 200 },
      shutdownTimeoutMs: 10_000,
    });
    consumers.push(consumer);
    return consumer;
  }

  const upper: (
    records: readonly ConsumedRecord[],
  ) => { topic: string; key: null; value: Buffer }[] = (records) =>
    records.map((r) => ({
      topic: output,
      key: null,
      value: Buffer.from(r.value!.toString().toUpperCase()),
    }));

  async function committed(group: string): Promise<number> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [topic] = await admin.fetchOffsets({ groupId: `${prefix}${group}`, topics: [input] });
      return topic!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    } finally {
      await admin.disconnect();
    }
  }

  beforeAll(async () => {
    await ensureTopics(kafka, [
      { topic: input, partitions: 1, replicationFactor: 1 },
      { topic: output, partitions: 1, replicationFactor: 1 },
    ]);
    const reader = kafka.consumer({ groupId: `${prefix}reader` });
    await reader.connect();
    await reader.subscribe({ topic: output, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => void seen.push(message.value!.toString()),
    });
    consumers.push({ stop: () => reader.disconnect() } as unknown as StageConsumer);
  });

  afterAll(async () => {
    for (const c of consumers.reverse()) await c.stop();
    await deleteTopics(kafka, [input, output]);
  });

  it('retries a chunk whose handler throws, publishes its outputs once, and commits after the ack', async () => {
    let calls = 0;
    const first = stage({
      handle: async (records) => {
        calls++;
        if (calls === 1) throw new Error('database down');
        return upper(records);
      },
    });
    await produce(['a', 'b', 'c']);
    await first.start();
    await waitFor('three outputs', () => seen.length >= 3);
    expect(seen).toEqual(['A', 'B', 'C']);
    expect(calls).toBeGreaterThanOrEqual(2);
    await waitFor('offsets committed', async () => (await committed('g')) === 3);
    await first.stop();

    // A new consumer in the same group starts after the committed offset: nothing is redone.
    const second = stage({ handle: async (records) => upper(records) });
    await second.start();
    await produce(['d']);
    await waitFor('the fourth output', () => seen.length >= 4);
    await new Promise((r) => setTimeout(r, 500));
    expect(seen).toEqual(['A', 'B', 'C', 'D']);
    await second.stop();
    expect(await committed('g')).toBe(4);
  });

  it('stop() drains the chunk in flight: its outputs are published and its offsets committed', async () => {
    let entered!: () => void;
    const inHandle = new Promise<void>((resolve) => (entered = resolve));
    const slow = stage(
      {
        handle: async (records) => {
          entered();
          await new Promise((r) => setTimeout(r, 1_000));
          return records.map((r) => ({
            topic: output,
            key: null,
            value: Buffer.from(`slow-${r.value!.toString()}`),
          }));
        },
      },
      'drain',
    );
    await produce(['e']);
    // A fresh group reads a..e from the beginning, in one chunk (chunkSize 10).
    await slow.start();
    await inHandle;
    await slow.stop();
    await waitFor(
      'the drained outputs',
      () => seen.filter((v) => v.startsWith('slow-')).length >= 5,
    );
    expect(seen.filter((v) => v.startsWith('slow-'))).toEqual([
      'slow-a',
      'slow-b',
      'slow-c',
      'slow-d',
      'slow-e',
    ]);
    expect(await committed('drain')).toBe(5);
  });

  it('splits outputs larger than one produce request, so a big chunk never wedges a stage', async () => {
    // 40 outputs of 100 KiB = 4 MiB for one chunk: over the broker's 1 MiB batch limit
    // if sent as one request.
    const big = stage(
      {
        handle: async (records) =>
          records.flatMap((r) =>
            Array.from({ length: 40 }, (_, i) => ({
              topic: output,
              key: null,
              value: Buffer.alloc(100 * 1024, `${r.value!.toString()}${i % 10}`),
            })),
          ),
      },
      'big',
    );
    const before = seen.length;
    await produce(['f']);
    await big.start();
    // The fresh group reads a..f: 6 records × 40 outputs.
    await waitFor('all big outputs', () => seen.length - before >= 240, 60_000);
    await big.stop();
    expect(await committed('big')).toBe(6);
  });

  it('is joined while a member of its group, and not after it stopped', async () => {
    const consumer = stage({ handle: async () => [] }, 'membership');
    expect(consumer.joined).toBe(false);
    await consumer.start();
    expect(consumer.joined).toBe(true);
    await consumer.stop();
    expect(consumer.joined).toBe(false);
  });
});
