/**
 * The client-neutral operations packages/kafka offers the rest of Herald (issue 19,
 * item 2): kafkaAdmin's topic and group offsets, group listing, and readTopic, against
 * the real broker.
 */
import { silentLogger } from '@herald/core';
import {
  createKafkaClient,
  deleteTopicsWithPrefix,
  ensureTopics,
  kafkaAdmin,
  MessagePublisher,
  readTopic,
  withKafkaAdmin,
  type TopicRecord,
} from '@herald/kafka';
import { stackEnv, uniquePrefix } from '@herald/testkit';

const prefix = uniquePrefix();
const kafka = createKafkaClient({
  clientId: 'kafka-admin-test',
  brokers: stackEnv().KAFKA_BROKERS.split(','),
  logger: silentLogger,
});
const topic = `${prefix}admin`;
const group = `${prefix}admin-group`;

beforeAll(async () => {
  await ensureTopics(kafka, [{ topic, partitions: 2, replicationFactor: 1 }]);
  const publisher = new MessagePublisher(kafka);
  await publisher.start();
  // Keys chosen by the default partitioner; five records in all, headers on each.
  await publisher.send(
    Array.from({ length: 5 }, (_, i) => ({
      topic,
      key: `k${i}`,
      value: Buffer.from(`v${i}`),
      headers: { 'herald-n': String(i) },
    })),
  );
  await publisher.stop();
});

afterAll(async () => {
  await deleteTopicsWithPrefix(kafka, prefix);
});

it('lists topics, reads end offsets, and sets and reads a group’s committed offsets', async () => {
  await withKafkaAdmin(kafka, async (admin) => {
    expect(await admin.listTopics()).toContain(topic);
    const ends = await admin.topicOffsets(topic);
    expect(ends.map((p) => p.partition).sort()).toEqual([0, 1]);
    expect(ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0)).toBe(5);

    // A group that never committed: '-1' per partition.
    const none = await admin.groupOffsets(group, [topic]);
    expect(none).toEqual([
      {
        topic,
        partitions: expect.arrayContaining([
          { partition: 0, offset: '-1' },
          { partition: 1, offset: '-1' },
        ]),
      },
    ]);

    await admin.setGroupOffsets(
      group,
      topic,
      ends.map((p) => ({ partition: p.partition, offset: p.high })),
    );
    const set = await admin.groupOffsets(group, [topic]);
    expect(set[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(
      ends.map((p) => [p.partition, p.high]).sort(),
    );
    // Without topics: every topic the group committed on.
    expect((await admin.groupOffsets(group)).map((t) => t.topic)).toEqual([topic]);

    // A group with offsets and no members is listed, and described as Empty.
    expect(await admin.listGroups()).toContain(group);
    expect(await admin.describeGroups([group])).toEqual([
      { groupId: group, state: 'Empty', members: 0 },
    ]);
  });
});

it('disconnects an admin that never connected without throwing', async () => {
  await expect(kafkaAdmin(kafka).disconnect()).resolves.toBeUndefined();
});

it('readTopic hands over every record with its partition, offset, key and headers, then stops', async () => {
  const records: TopicRecord[] = [];
  let finish!: () => void;
  const until = new Promise<void>((resolve) => (finish = resolve));
  await readTopic(kafka, {
    topic,
    groupId: `${prefix}reader`,
    fromBeginning: true,
    until,
    onRecord: (record) => {
      records.push(record);
      if (records.length === 5) finish();
    },
  });
  expect(records.map((r) => r.key!.toString()).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
  for (const r of records) {
    expect(r.value!.toString()).toBe(`v${r.key!.toString().slice(1)}`);
    expect(String(r.headers['herald-n'])).toBe(r.key!.toString().slice(1));
    expect(Number(r.offset)).toBeGreaterThanOrEqual(0);
    expect(Number(r.timestamp)).toBeGreaterThan(0);
  }
});
