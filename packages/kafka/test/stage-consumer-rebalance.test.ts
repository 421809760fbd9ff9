/**
 * Rebalances mid-stream never rewind a group's offsets and never hand a committed
 * record over again (@platformatic/kafka issue #223 reported a stream reading from
 * stale offsets after a rebalance). Two StageConsumers in one group, a second member
 * joining and then the first leaving while records keep arriving. The group's committed
 * offsets are sampled all along: they must never go down, and no record may be handled
 * after a sample showed it committed. At the end every record was handled and committed.
 */
import { silentLogger } from '@herald/core';
import {
  deleteTopicsWithPrefix,
  ensureTopics,
  StageConsumer,
  type ConsumedRecord,
} from '@herald/kafka';
import { uniquePrefix, waitFor } from '@herald/testkit';
import { clients, testKafka } from './clients.js';

const PARTITIONS = 4;
const RECORDS = 3_000;

describe.each(clients)('rebalance on %s', (client) => {
  const prefix = uniquePrefix();
  const input = `${prefix}in`;
  const output = `${prefix}out`;
  const group = `${prefix}g`;
  const kafka = testKafka(client, 'rebalance-test');
  const stages: StageConsumer[] = [];

  afterAll(async () => {
    for (const stage of stages) await stage.stop();
    await deleteTopicsWithPrefix(kafka, prefix);
  });

  it('two members, a join and a leave mid-stream: every record handled, offsets never rewound, nothing handled after its commit', async () => {
    await ensureTopics(kafka, [
      { topic: input, partitions: PARTITIONS, replicationFactor: 1 },
      { topic: output, partitions: PARTITIONS, replicationFactor: 1 },
    ]);
    const handled: Array<{ member: string; partition: number; offset: number; at: number }> = [];
    const badHeaders: string[] = [];
    const stage = (member: string) => {
      const consumer = new StageConsumer({
        kafka,
        groupId: group,
        topics: [input],
        logger: silentLogger,
        chunkSize: 50,
        sessionTimeoutMs: 10_000,
        shutdownTimeoutMs: 10_000,
        handler: {
          handle: async (records: readonly ConsumedRecord[]) => {
            const at = Date.now();
            for (const r of records) {
              handled.push({ member, partition: r.partition, offset: Number(r.offset), at });
              if (r.headers.seq?.toString() !== r.value!.toString()) badHeaders.push(r.offset);
            }
            await new Promise((resolve) => setTimeout(resolve, 30));
            return records.map((r) => ({
              topic: output,
              key: r.key!.toString(),
              value: r.value!,
              headers: { from: member },
            }));
          },
        },
      });
      stages.push(consumer);
      return consumer;
    };

    // The committed offsets, sampled every 50 ms while the test runs.
    const samples: Array<{ at: number; offsets: number[] }> = [];
    const admin = kafka.admin();
    await admin.connect();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [topic] = await admin.fetchOffsets({ groupId: group, topics: [input] });
        // Stamped when the answer is in: a commit it shows happened before this time.
        const at = Date.now();
        const offsets = Array.from({ length: PARTITIONS }, () => -1);
        for (const p of topic!.partitions) offsets[p.partition] = Number(p.offset);
        samples.push({ at, offsets });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const producer = kafka.producer();
    await producer.connect();
    const send = async (from: number, count: number) => {
      const messages = Array.from({ length: count }, (_, i) => ({
        key: `k${from + i}`,
        value: String(from + i),
        headers: { seq: String(from + i) },
      }));
      await producer.send({ topic: input, acks: -1, messages });
    };
    try {
      await send(0, 1_000);
      const first = stage('a');
      await first.start();
      await waitFor('a handles some', () => handled.length >= 300, 30_000);
      await send(1_000, 1_000);
      await stage('b').start();
      await send(2_000, 1_000);
      await waitFor('b handles some', () => handled.some((h) => h.member === 'b'), 30_000);
      await waitFor(
        'more handled',
        () => new Set(handled.map((h) => h.offset + h.partition * 1e6)).size >= 2_200,
        60_000,
      );
      await first.stop();
      await waitFor(
        'every record handled',
        () => new Set(handled.map((h) => `${h.partition}:${h.offset}`)).size >= RECORDS,
        60_000,
      );
      const ends = await admin.fetchTopicOffsets(input);
      await waitFor(
        'every partition committed to its end',
        () => {
          const last = samples[samples.length - 1]!;
          return ends.every((e) => last.offsets[e.partition] === Number(e.high));
        },
        30_000,
      );
    } finally {
      sampling = false;
      await sampler;
      await producer.disconnect();
      await admin.disconnect();
    }

    expect(badHeaders).toEqual([]);
    expect(handled.some((h) => h.member === 'a') && handled.some((h) => h.member === 'b')).toBe(
      true,
    );
    // Offsets never go down.
    for (let p = 0; p < PARTITIONS; p++) {
      const series = samples.map((s) => s.offsets[p]!);
      for (let i = 1; i < series.length; i++)
        expect(series[i]).toBeGreaterThanOrEqual(series[i - 1]!);
    }
    // No record handled after a sample showed it committed.
    const afterCommit = handled.filter((h) =>
      samples.some((s) => s.at < h.at && s.offsets[h.partition]! > h.offset),
    );
    expect(afterCommit).toEqual([]);
  }, 180_000);
});
