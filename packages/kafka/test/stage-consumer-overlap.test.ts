/**
 * Several chunks in flight on the platformatic loop (`chunksInFlight`, issue 19): the
 * next chunk is taken while earlier ones still run, yet one key's records never run in
 * two chunks at once or out of order, outputs go out in the order the chunks were
 * taken, a commit never passes a chunk still running, and stop() waits for every chunk.
 */
import { silentLogger } from '@herald/core';
import {
  deleteTopicsWithPrefix,
  ensureTopics,
  StageConsumer,
  type ConsumedRecord,
  type StageHandler,
} from '@herald/kafka';
import { uniquePrefix, waitFor } from '@herald/testkit';
import { testKafka } from './clients.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('several chunks in flight (platformatic)', () => {
  const prefix = uniquePrefix();
  const kafka = testKafka('platformatic', 'overlap-test');
  const stages: StageConsumer[] = [];
  let topics = 0;

  afterAll(async () => {
    for (const stage of stages) await stage.stop();
    await deleteTopicsWithPrefix(kafka, prefix);
  });

  /** A fresh input and output topic with `records` (key, value) already in the input. */
  async function topicsWith(partitions: number, records: Array<[string, string]>) {
    const n = ++topics;
    const input = `${prefix}in${n}`;
    const output = `${prefix}out${n}`;
    await ensureTopics(kafka, [
      { topic: input, partitions, replicationFactor: 1 },
      { topic: output, partitions: 1, replicationFactor: 1 },
    ]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: input,
      acks: -1,
      messages: records.map(([key, value]) => ({ key, value })),
    });
    await producer.disconnect();
    return { input, output, group: `${prefix}g${n}` };
  }

  function stage(
    topic: { input: string; group: string },
    handler: StageHandler,
    options: { chunkSize: number; shutdownTimeoutMs?: number },
  ): StageConsumer {
    const consumer = new StageConsumer({
      kafka,
      groupId: topic.group,
      topics: [topic.input],
      logger: silentLogger,
      handler,
      chunkSize: options.chunkSize,
      chunksInFlight: 3,
      retry: { initialMs: 50, maxMs: 200 },
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? 10_000,
    });
    stages.push(consumer);
    return consumer;
  }

  const values = (records: readonly ConsumedRecord[]) => records.map((r) => r.value!.toString());
  const echo = (output: string, records: readonly ConsumedRecord[]) =>
    records.map((r) => ({ topic: output, key: r.key!.toString(), value: r.value! }));

  async function committed(group: string, topic: string): Promise<number> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      return offsets!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    } finally {
      await admin.disconnect();
    }
  }

  async function outputsOf(topic: string, expected: number): Promise<string[]> {
    const seen: string[] = [];
    const reader = kafka.consumer({ groupId: `${topic}-reader` });
    await reader.connect();
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => void seen.push(message.value!.toString()),
    });
    try {
      if (expected > 0) await waitFor(`${expected} outputs`, () => seen.length >= expected);
      else await sleep(1_500);
      return seen;
    } finally {
      await reader.disconnect();
    }
  }

  it('overlaps chunks, keeps each key in order and out of two chunks at once, and produces in chunk order', async () => {
    // 3 partitions, 12 keys, 10 records each: key k's records in order on one partition.
    const records: Array<[string, string]> = [];
    for (let i = 0; i < 120; i++) records.push([`k${i % 12}`, `${i % 12}:${Math.floor(i / 12)}`]);
    const topic = await topicsWith(3, records);
    const running = new Set<string>();
    const order = new Map<string, number[]>();
    const clashes: string[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const s = stage(
      topic,
      {
        handle: async (chunk) => {
          inFlight++;
          mostInFlight = Math.max(mostInFlight, inFlight);
          const keys = new Set(chunk.map((r) => r.key!.toString()));
          for (const key of keys) if (running.has(key)) clashes.push(key);
          for (const key of keys) running.add(key);
          for (const r of chunk) {
            const [key, seq] = r.value!.toString().split(':');
            order.set(key!, [...(order.get(key!) ?? []), Number(seq)]);
          }
          // Uneven: a later chunk often ends before an earlier one.
          await sleep(20 + ((chunk.length * 37) % 60));
          for (const key of keys) running.delete(key);
          inFlight--;
          return echo(topic.output, chunk);
        },
      },
      { chunkSize: 4 },
    );
    await s.start();
    await waitFor(
      'committed to the end',
      async () => (await committed(topic.group, topic.input)) === 120,
      30_000,
    );
    expect(clashes).toEqual([]);
    expect(mostInFlight).toBeGreaterThanOrEqual(2);
    for (let k = 0; k < 12; k++) expect(order.get(String(k))).toEqual([...Array(10).keys()]);
    // One output partition: outputs in the order the chunks were taken, so per key in order.
    const outputs = await outputsOf(topic.output, 120);
    for (let k = 0; k < 12; k++) {
      const seqs = outputs.filter((v) => v.startsWith(`${k}:`)).map((v) => Number(v.split(':')[1]));
      expect(seqs).toEqual([...Array(10).keys()]);
    }
  }, 60_000);

  it('never commits past a chunk still running: a later chunk that finished waits, and stop() past its deadline commits neither', async () => {
    const topic = await topicsWith(1, [
      ['a', '0'],
      ['b', '1'],
      ['c', '2'],
      ['d', '3'],
    ]);
    const finished: string[][] = [];
    const s = stage(
      topic,
      {
        handle: async (chunk, signal) => {
          if (values(chunk).includes('0')) {
            // The first chunk hangs until stop() aborts it.
            await new Promise((resolve) => signal.addEventListener('abort', resolve));
            throw new Error('aborted');
          }
          finished.push(values(chunk));
          return echo(topic.output, chunk);
        },
      },
      { chunkSize: 2, shutdownTimeoutMs: 500 },
    );
    await s.start();
    await waitFor('the second chunk handled', () => finished.length > 0);
    expect(finished).toEqual([['2', '3']]);
    await sleep(1_000);
    expect(await committed(topic.group, topic.input)).toBe(0);
    await s.stop();
    expect(await committed(topic.group, topic.input)).toBe(0);
    // Its outputs wait for the first chunk's too: none was produced.
    expect(await outputsOf(topic.output, 0)).toEqual([]);
  }, 60_000);

  it('commits both once the slow first chunk ends, outputs in chunk order', async () => {
    const topic = await topicsWith(1, [
      ['a', '0'],
      ['b', '1'],
      ['c', '2'],
      ['d', '3'],
    ]);
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    let secondDone = false;
    const s = stage(
      topic,
      {
        handle: async (chunk) => {
          if (values(chunk).includes('0')) await slow;
          else secondDone = true;
          return echo(topic.output, chunk);
        },
      },
      { chunkSize: 2 },
    );
    await s.start();
    await waitFor('the second chunk handled', () => secondDone);
    await sleep(500);
    expect(await committed(topic.group, topic.input)).toBe(0);
    release();
    await waitFor('both committed', async () => (await committed(topic.group, topic.input)) === 4);
    expect(await outputsOf(topic.output, 4)).toEqual(['0', '1', '2', '3']);
  }, 60_000);

  it('stop() waits for every chunk in flight, then commits them all', async () => {
    const topic = await topicsWith(
      1,
      Array.from({ length: 6 }, (_, i): [string, string] => [`k${i}`, String(i)]),
    );
    let started = 0;
    const s = stage(
      topic,
      {
        handle: async (chunk) => {
          started++;
          await sleep(800);
          return echo(topic.output, chunk);
        },
      },
      { chunkSize: 2 },
    );
    await s.start();
    await waitFor('three chunks in flight', () => started === 3);
    await s.stop();
    expect(await committed(topic.group, topic.input)).toBe(6);
    expect(await outputsOf(topic.output, 6)).toEqual(['0', '1', '2', '3', '4', '5']);
  }, 60_000);
});
