/**
 * A partition its group has never committed, regained after a rebalance, is read again
 * from its start: the records the member dropped when it lost the partition are redone,
 * not skipped. Round 6's short chaos lost notifications this way (docs/ARCHITECTURE.md,
 * "Kafka client"): @platformatic/kafka, after a rejoin, resets a partition to the
 * group's committed offset, but one with no committed offset keeps the stream's own
 * fetch position, which was past records that were never handled.
 *
 * Member a holds every record of a delay lane (not due for a while), so nothing is
 * committed. Member b joins and takes one partition, reads its records (held too), and
 * leaves before they are due, committing nothing. a regains that partition: its records
 * must all be handled once due, and the group must commit both partitions to their end.
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

const PER_PARTITION = 5;
const DELAY_MS = 10_000;

describe.each(clients)('a never-committed partition regained on %s', (client) => {
  const prefix = uniquePrefix();
  const lane = `${prefix}lane`;
  const group = `${prefix}g`;
  const kafka = testKafka(client, 'first-rejoin-test');
  const stages: StageConsumer[] = [];

  afterAll(async () => {
    for (const stage of stages) await stage.stop();
    await deleteTopicsWithPrefix(kafka, prefix);
  });

  it('is read again from its start, so the records dropped in the rebalance are redone', async () => {
    await ensureTopics(kafka, [{ topic: lane, partitions: 2, replicationFactor: 1 }]);
    const handled: Array<{ member: string; value: string }> = [];
    // Per member, the records it has read (by timestamp, unique here) and when it first
    // read one.
    const read = { a: new Set<string>(), b: new Set<string>() };
    const firstRead: { a?: number; b?: number } = {};
    const stage = (member: 'a' | 'b') => {
      const consumer = new StageConsumer({
        kafka,
        groupId: group,
        topics: [lane],
        logger: silentLogger,
        chunkSize: 20,
        maxWaitTimeMs: 100,
        sessionTimeoutMs: 10_000,
        shutdownTimeoutMs: 5_000,
        // Called as each record is taken from the stream. Every record is due DELAY_MS
        // after the member first read one: a hold by this clock, long enough for b to
        // join, read and leave while a holds everything and nothing is committed.
        releaseAt: (_topic, timestamp) => {
          read[member].add(String(timestamp));
          firstRead[member] ??= Date.now();
          return firstRead[member] + DELAY_MS;
        },
        handler: {
          handle: async (records: readonly ConsumedRecord[]) => {
            for (const r of records) handled.push({ member, value: r.value!.toString() });
            return [];
          },
        },
      });
      stages.push(consumer);
      return consumer;
    };

    const a = stage('a');
    await a.start();
    const producer = kafka.producer();
    await producer.connect();
    // Each record has a timestamp of its own (`read` counts them) from this clock: a
    // time long past would let the broker's retention delete them mid-test. `first` is
    // even, so a timestamp's parity is its partition's.
    const now = Date.now();
    const first = now - (now % 2);
    for (let i = 0; i < PER_PARTITION * 2; i++) {
      await producer.send({
        topic: lane,
        acks: -1,
        messages: [{ partition: i % 2, value: `v${i}`, timestamp: String(first + i) }],
      });
    }
    await producer.disconnect();
    // kafkajs pauses a lane partition at its first record not due (and fetches it again
    // when due); platformatic reads on and holds every record in memory.
    const partitionsRead = (seen: Set<string>) =>
      new Set([...seen].map((timestamp) => Number(timestamp) % 2)).size;
    const readAll = client === 'platformatic';
    await waitFor(
      'a read every record',
      () => (readAll ? read.a.size === PER_PARTITION * 2 : partitionsRead(read.a) === 2),
      20_000,
    );

    const b = stage('b');
    await b.start();
    await waitFor(
      'b read its partition',
      () => (readAll ? read.b.size === PER_PARTITION : read.b.size > 0),
      20_000,
    );
    await b.stop();

    await waitFor(
      'every record handled',
      () => new Set(handled.map((h) => h.value)).size === PER_PARTITION * 2,
      DELAY_MS + 20_000,
    );
    expect(handled.filter((h) => h.member === 'b')).toEqual([]);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await waitFor('committed to the end', async () => {
        const [topic] = await admin.fetchOffsets({ groupId: group, topics: [lane] });
        return topic!.partitions.every((p) => Number(p.offset) === PER_PARTITION);
      });
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  it('goes on from the log’s start when retention deleted records at the committed offset', async () => {
    const topic = `${prefix}short`;
    const shortGroup = `${prefix}short-g`;
    await ensureTopics(kafka, [{ topic, partitions: 1, replicationFactor: 1 }]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `v${i}` })),
    });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    try {
      // The group stopped at 2; retention then removed everything below 6.
      await admin.setOffsets({
        groupId: shortGroup,
        topic,
        partitions: [{ partition: 0, offset: '2' }],
      });
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '6' }] });
      const handled: string[] = [];
      const consumer = new StageConsumer({
        kafka,
        groupId: shortGroup,
        topics: [topic],
        logger: silentLogger,
        chunkSize: 20,
        maxWaitTimeMs: 100,
        handler: {
          handle: async (records: readonly ConsumedRecord[]) => {
            for (const r of records) handled.push(r.value!.toString());
            return [];
          },
        },
      });
      stages.push(consumer);
      await consumer.start();
      await waitFor('the records left handled', () => handled.length >= 4, 20_000);
      expect(handled).toEqual(['v6', 'v7', 'v8', 'v9']);
      await waitFor('committed to the end', async () => {
        const [offsets] = await admin.fetchOffsets({ groupId: shortGroup, topics: [topic] });
        return Number(offsets!.partitions[0]!.offset) === 10;
      });
    } finally {
      await admin.disconnect();
    }
  }, 60_000);
});
