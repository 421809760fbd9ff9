/**
 * Delay lanes (`releaseAt`) on both clients: no record is handled before it is due,
 * every record is handled once due, in order per partition, and the group commits to the
 * end. On kafkajs the lane partition pauses; on platformatic, which has no per-partition
 * pause, the records wait in memory (docs/ARCHITECTURE.md, "Kafka client").
 */
import { silentLogger } from '@herald/core';
import { deleteTopicsWithPrefix, ensureTopics, StageConsumer } from '@herald/kafka';
import { uniquePrefix, waitFor } from '@herald/testkit';
import { clients, testKafka } from './clients.js';

const DELAY_MS = 1_500;

describe.each(clients)('delay lanes on %s', (client) => {
  const prefix = uniquePrefix();
  const lane = `${prefix}lane`;
  const kafka = testKafka(client, 'delay-test');
  let stage: StageConsumer | undefined;

  afterAll(async () => {
    await stage?.stop();
    await deleteTopicsWithPrefix(kafka, prefix);
  });

  it('handles each record once it is due, in order per partition, and commits to the end', async () => {
    await ensureTopics(kafka, [{ topic: lane, partitions: 2, replicationFactor: 1 }]);
    const handled: Array<{ value: string; partition: number; early: number }> = [];
    stage = new StageConsumer({
      kafka,
      groupId: `${prefix}g`,
      topics: [lane],
      logger: silentLogger,
      chunkSize: 20,
      maxWaitTimeMs: 100,
      releaseAt: (_topic, timestamp) => timestamp + DELAY_MS,
      handler: {
        handle: async (records) => {
          const now = Date.now();
          for (const r of records) {
            handled.push({
              value: r.value!.toString(),
              partition: r.partition,
              early: r.timestamp + DELAY_MS - now,
            });
          }
          return [];
        },
      },
    });
    await stage.start();
    const producer = kafka.producer();
    await producer.connect();
    for (let wave = 0; wave < 3; wave++) {
      await producer.send({
        topic: lane,
        acks: -1,
        messages: Array.from({ length: 30 }, (_, i) => ({
          partition: i % 2,
          value: `${wave}-${String(i).padStart(2, '0')}`,
        })),
      });
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    await producer.disconnect();
    await waitFor('every record handled', () => handled.length >= 90, 30_000);

    // Broker timestamps and this clock may differ by a few ms on one machine.
    expect(handled.filter((h) => h.early > 50)).toEqual([]);
    expect(new Set(handled.map((h) => h.value)).size).toBe(90);
    for (const partition of [0, 1]) {
      const values = handled.filter((h) => h.partition === partition).map((h) => h.value);
      expect(values).toEqual([...values].sort());
    }
    const admin = kafka.admin();
    await admin.connect();
    try {
      await waitFor('committed to the end', async () => {
        const [topic] = await admin.fetchOffsets({ groupId: `${prefix}g`, topics: [lane] });
        return topic!.partitions.every((p) => Number(p.offset) === 45);
      });
    } finally {
      await admin.disconnect();
    }
  }, 60_000);
});
