/**
 * A platformatic stage's commit interval (`commitIntervalMs`, HERALD_KAFKA_COMMIT_INTERVAL_MS;
 * issue 19 item 4): many small chunks cost one OffsetCommit per interval instead of about
 * one per chunk, and stop() commits at once what was acknowledged meanwhile.
 *
 * The commits are counted as the library sends them, on its diagnostics channel of
 * commit calls, for this test's groups only.
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { silentLogger } from '@herald/core';
import { deleteTopicsWithPrefix, ensureTopics, StageConsumer } from '@herald/kafka';
import { uniquePrefix, waitFor } from '@herald/testkit';
import { testKafka } from './clients.js';

const RECORDS = 60;
const CHUNK = 2;

/** What the library publishes with each commit call (the consumer making it). */
type CommitContext = { client?: { groupId?: string } };

describe('a platformatic stage with a commit interval', () => {
  const prefix = uniquePrefix();
  const input = `${prefix}in`;
  const kafka = testKafka('platformatic', 'commit-interval');
  /** Commit calls by consumer group. */
  const commits = new Map<string, number>();
  const channel = tracingChannel<object, CommitContext>('plt:kafka:consumer:commits');
  const onCommit = {
    start(context: CommitContext) {
      const group = context.client?.groupId;
      if (group?.startsWith(prefix)) commits.set(group, (commits.get(group) ?? 0) + 1);
    },
  };
  const stages: StageConsumer[] = [];

  beforeAll(async () => {
    channel.subscribe(onCommit);
    await ensureTopics(kafka, [{ topic: input, partitions: 1, replicationFactor: 1 }]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: input,
      acks: -1,
      messages: Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i}`, value: String(i) })),
    });
    await producer.disconnect();
  });

  afterAll(async () => {
    channel.unsubscribe(onCommit);
    for (const stage of stages) await stage.stop();
    await deleteTopicsWithPrefix(kafka, prefix);
  });

  async function committed(group: string): Promise<number> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [topic] = await admin.fetchOffsets({ groupId: group, topics: [input] });
      return Math.max(0, Number(topic!.partitions[0]!.offset));
    } finally {
      await admin.disconnect();
    }
  }

  /** A stage reading the topic in chunks of 2, each handled in a few ms; no outputs. */
  function stage(
    group: string,
    commitIntervalMs: number,
  ): { stage: StageConsumer; handled: () => number } {
    let handled = 0;
    const consumer = new StageConsumer({
      kafka,
      groupId: group,
      topics: [input],
      logger: silentLogger,
      chunkSize: CHUNK,
      shutdownTimeoutMs: 10_000,
      commitIntervalMs,
      handler: {
        handle: async (records) => {
          // Long enough for the previous chunk's commit to come back: without an
          // interval, about one commit per chunk.
          await new Promise((resolve) => setTimeout(resolve, 10));
          handled += records.length;
          return [];
        },
      },
    });
    stages.push(consumer);
    return { stage: consumer, handled: () => handled };
  }

  it('merges the commits of many small chunks into one per interval; stop() commits the rest at once', async () => {
    const group = `${prefix}interval`;
    const { stage: consumer, handled } = stage(group, 60_000);
    await consumer.start();
    await waitFor('every record handled', () => handled() === RECORDS, 60_000);
    // The first chunk's commit went at once (an idle stage's commit does not wait); the
    // other 29 chunks' positions wait for the interval, merged.
    await waitFor('the first commit', async () => (await committed(group)) === CHUNK, 30_000);
    expect(commits.get(group)).toBe(1);
    // stop() does not wait for the interval (60 s, past its 10 s deadline): one more
    // commit, of the last record.
    await consumer.stop();
    expect(commits.get(group)).toBe(2);
    expect(await committed(group)).toBe(RECORDS);
  }, 120_000);

  it('without an interval, commits about once per chunk (the contrast)', async () => {
    const group = `${prefix}none`;
    const { stage: consumer, handled } = stage(group, 0);
    await consumer.start();
    await waitFor('every record handled', () => handled() === RECORDS, 60_000);
    await consumer.stop();
    expect(await committed(group)).toBe(RECORDS);
    // Not a timing: merely more than the two of the interval above (30 chunks).
    expect(commits.get(group)).toBeGreaterThan(2);
  }, 120_000);
});
