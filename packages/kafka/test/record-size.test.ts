/**
 * The record size check against a real broker: `recordBytes` never undercounts (a
 * record measured at the topic's max.message.bytes is accepted), and is tight (a few
 * bytes more and the broker refuses it). Nothing over the limit reaches the broker:
 * `sendOutputs` refuses it with a code, and StageConsumer's backstop turns a handler's
 * oversized output into a dead-letter reference and moves on.
 */
import { isHeraldError, silentLogger } from '@herald/core';
import {
  deleteTopicsWithPrefix,
  ensureTopics,
  MessagePublisher,
  recordBytes,
  StageConsumer,
  type OutputMessage,
} from '@herald/kafka';
import { uniquePrefix, waitFor } from '@herald/testkit';
import { clients, testKafka } from './clients.js';

describe.each(clients)('record size on %s', (client) => {
  const LIMIT = 100_000;
  const prefix = uniquePrefix();
  const limited = `${prefix}limited`;
  const input = `${prefix}in`;
  const output = `${prefix}out`;
  const dlq = `${prefix}dlq`;
  const kafka = testKafka(client, 'record-size-test');
  const cleanups: (() => Promise<unknown>)[] = [];

  /** A message to `topic` whose measured size is exactly `bytes`. */
  function sized(topic: string, bytes: number): OutputMessage {
    const headers = {
      'content-type': 'application/json',
      traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
    };
    let value = Buffer.alloc(bytes - 200, 'x');
    const message = () => ({ topic, key: 'key-1', value, headers });
    // Varint widths move with the length: approach the target from below.
    while (recordBytes(message()) < bytes) value = Buffer.alloc(value.length + 1, 'x');
    expect(recordBytes(message())).toBe(bytes);
    return message();
  }

  beforeAll(async () => {
    await ensureTopics(kafka, [
      {
        topic: limited,
        partitions: 1,
        replicationFactor: 1,
        config: { 'max.message.bytes': String(LIMIT) },
      },
      ...[input, output, dlq].map((topic) => ({ topic, partitions: 1, replicationFactor: 1 })),
    ]);
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await deleteTopicsWithPrefix(kafka, prefix);
  });

  it('measures a record as the broker does: at the limit it is taken, a few bytes over it is refused', async () => {
    const producer = kafka.producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const atLimit = sized(limited, LIMIT);
    await producer.send({ topic: limited, acks: -1, messages: [atLimit] });
    // The measure counts the record's offset and timestamp deltas at their widest (15
    // bytes); the first record of a batch uses 2 of them, so 14 bytes more is just over.
    const over = sized(limited, LIMIT + 14);
    await expect(producer.send({ topic: limited, acks: -1, messages: [over] })).rejects.toThrow(
      /too large|larger than/i,
    );
  });

  it('MessagePublisher refuses a record over its limit before sending anything', async () => {
    const publisher = new MessagePublisher(kafka, { maxRecordBytes: LIMIT });
    await publisher.start();
    cleanups.push(() => publisher.stop());
    const error = await publisher
      .send([sized(limited, 1_000), sized(limited, LIMIT + 1)])
      .catch((err: unknown) => err);
    expect(isHeraldError(error, 'HERALD_ERR_KAFKA_RECORD_TOO_LARGE')).toBe(true);
    expect((error as Error).message).toContain(
      `${limited} is ${LIMIT + 1} bytes, over the ${LIMIT}-byte limit`,
    );
  });

  it("turns a handler's oversized output into a dead-letter reference and moves on", async () => {
    const stage = new StageConsumer({
      kafka,
      groupId: `${prefix}stage`,
      topics: [input],
      logger: silentLogger,
      retry: { initialMs: 50, maxMs: 200 },
      maxRecordBytes: LIMIT,
      deadLetterTopic: dlq,
      handler: {
        handle: async (records) =>
          records.map((r) =>
            r.value!.toString() === 'big'
              ? sized(output, LIMIT + 1)
              : { topic: output, key: 'key-1', value: r.value! },
          ),
      },
    });
    const seen: { topic: string; value: string; headers: Record<string, string> }[] = [];
    const reader = kafka.consumer({ groupId: `${prefix}reader` });
    await reader.connect();
    cleanups.push(() => reader.disconnect());
    await reader.subscribe({ topics: [output, dlq], fromBeginning: true });
    await reader.run({
      eachMessage: async ({ topic, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        seen.push({ topic, value: message.value?.toString() ?? '', headers });
      },
    });
    await stage.start();
    cleanups.push(() => stage.stop());
    const producer = kafka.producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    await producer.send({ topic: input, acks: -1, messages: [{ value: 'big' }] });
    await producer.send({ topic: input, acks: -1, messages: [{ value: 'after' }] });
    await waitFor('the record after the big one', () => seen.find((m) => m.value === 'after'));
    const reference = await waitFor('the reference', () => seen.find((m) => m.topic === dlq));
    expect(reference.value).toBe('');
    expect(reference.headers).toMatchObject({
      'herald-dlq-truncated': 'value',
      'herald-dlq-target-topic': output,
      'herald-dlq-original-bytes': String(LIMIT + 1),
    });
    expect(reference.headers['herald-dlq-reason']).toMatch(/^HERALD_ERR_KAFKA_RECORD_TOO_LARGE/);
  });
});
