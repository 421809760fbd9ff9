/**
 * Herald's patch of @platformatic/kafka 2.12.1, its per-message objects (patches/README.md),
 * against the real broker: a consumed message keeps the library's fields, JSON and a commit
 * that works detached, but the commit is bound on first use (not per message), no diagnostic
 * context is made for a message while nobody subscribes to `plt:kafka:consumer:receives`,
 * and a send still hands custom key serializers the headers as a Map. The checks of own
 * keys and of diagnostic contexts fail on the round-5 patch (commit and toJSON were own
 * properties; every message made a context).
 */
import { tracingChannel } from 'node:diagnostics_channel';
import {
  Consumer,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  Producer,
  ProduceAcks,
  stringSerializer,
  type Message,
  type MessagesStream,
  type Serializer,
} from '@platformatic/kafka';
import { deleteTopicsWithPrefix, ensureTopics } from '@herald/kafka';
import { stackEnv, uniquePrefix, waitFor } from '@herald/testkit';
import { testKafka } from './clients.js';

type Raw = Message<Buffer, Buffer, Buffer, Buffer>;

const COUNT = 500;
const brokers = stackEnv().KAFKA_BROKERS.split(',');

describe('@platformatic/kafka patch: consumed messages and sends', () => {
  const prefix = uniquePrefix();
  const topic = `${prefix}messages`;
  const kafka = testKafka('kafkajs', 'client-patch-test');
  const closers: (() => Promise<unknown>)[] = [];
  /** What the custom key serializer was given as headers, message by message. */
  const seenHeaders: unknown[] = [];

  beforeAll(async () => {
    await ensureTopics(kafka, [{ topic, partitions: 1, replicationFactor: 1 }]);
    const keyWithHeaders: Serializer<string> = (key, headers) => {
      seenHeaders.push(headers instanceof Map ? [...headers] : headers);
      return stringSerializer(key);
    };
    const producer = new Producer<string, Buffer, string, string>({
      bootstrapBrokers: brokers,
      clientId: `${prefix}producer`,
      serializers: {
        key: keyWithHeaders,
        headerKey: stringSerializer,
        headerValue: stringSerializer,
      },
    });
    await producer.send({
      acks: ProduceAcks.ALL,
      messages: Array.from({ length: COUNT }, (_, i) => ({
        topic,
        key: `k${i}`,
        value: Buffer.from(`v${i}`),
        // an object (read in place by the patch) and a Map, alternately
        headers:
          i % 2
            ? { a: `${i}`, b: 'x' }
            : new Map([
                ['a', `${i}`],
                ['b', 'x'],
              ]),
      })),
    });
    await producer.close();
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await deleteTopicsWithPrefix(kafka, prefix);
  });

  async function consume(
    group: string,
  ): Promise<{ consumer: Consumer; stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> }> {
    const consumer = new Consumer({
      bootstrapBrokers: brokers,
      clientId: `${prefix}${group}`,
      groupId: `${prefix}${group}`,
      autocommit: false,
      maxWaitTime: 200,
    });
    const stream = await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST,
      autocommit: false,
    });
    // The stream fetches only once someone reads it: a 'readable' listener (as Herald's loop)
    stream.on('readable', () => {});
    closers.push(
      () => consumer.close(true),
      () => stream.close(),
    );
    return { consumer, stream };
  }

  async function readAll(stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>): Promise<Raw[]> {
    const read: Raw[] = [];
    await waitFor(`${COUNT} messages`, () => {
      for (let m = stream.read() as Raw | null; m; m = stream.read() as Raw | null) read.push(m);
      return read.length >= COUNT;
    });
    return read;
  }

  it('hands custom key serializers the headers as a Map, whether given as an object or a Map', () => {
    expect(seenHeaders).toEqual(
      Array.from({ length: COUNT }, (_, i) => [
        ['a', `${i}`],
        ['b', 'x'],
      ]),
    );
  });

  it('gives messages the library’s fields and JSON, and a commit bound on first use that works detached', async () => {
    const { consumer, stream } = await consume('fields');
    const read = await readAll(stream);
    const message = read[7]!;
    // Own fields as before, minus the per-message commit closure and toJSON (now shared)
    expect(Object.keys(message)).toEqual([
      'key',
      'value',
      'headers',
      'headerEntries',
      'topic',
      'partition',
      'timestamp',
      'offset',
      'leaderEpoch',
      'metadata',
    ]);
    expect(message.key.toString()).toBe('k7');
    expect(message.value.toString()).toBe('v7');
    expect([...message.headers].map(([k, v]) => [k.toString(), v.toString()])).toEqual([
      ['a', '7'],
      ['b', 'x'],
    ]);
    expect(message.headerEntries.map(([k, v]) => [k.toString(), v.toString()])).toEqual([
      ['a', '7'],
      ['b', 'x'],
    ]);
    expect(message).toMatchObject({ topic, partition: 0, offset: 7n });
    expect(typeof message.timestamp).toBe('bigint');
    expect(typeof message.leaderEpoch).toBe('number');
    expect(message.metadata).toMatchObject({ consumer: { groupId: `${prefix}fields` } });
    expect(JSON.parse(JSON.stringify(message))).toEqual(
      JSON.parse(
        JSON.stringify({
          key: message.key,
          value: message.value,
          headers: message.headerEntries,
          topic,
          partition: 0,
          timestamp: message.timestamp.toString(),
          offset: '7',
          leaderEpoch: message.leaderEpoch,
          metadata: message.metadata,
        }),
      ),
    );
    expect(message.commit).toBe(message.commit);

    const { commit } = message;
    await commit();
    const committed = await consumer.listCommittedOffsets({
      topics: [{ topic, partitions: [0] }],
    });
    expect(committed.get(topic)).toEqual([8n]);
  });

  it('makes no diagnostic context per message without subscribers, and one with them', async () => {
    // Every operation's context takes the next id of one counter: the ids of consecutive
    // fetches tell how many contexts were made in between (the messages of one fetch are
    // pushed before the next fetch starts).
    const fetches = tracingChannel('plt:kafka:consumer:fetches');
    const ids: bigint[] = [];
    const onFetch = {
      start: (ctx: unknown) => void ids.push((ctx as { operationId: bigint }).operationId),
    };
    fetches.subscribe(onFetch as never);
    try {
      const quiet = await consume('quiet');
      await readAll(quiet.stream);
      const fetchesSoFar = ids.length;
      await waitFor('the next fetch', () => ids.length > fetchesSoFar);
      const gaps = ids.slice(1).map((id, i) => Number(id - ids[i]!));
      // A few requests between two fetches, not one context per message
      expect(Math.max(...gaps)).toBeLessThan(COUNT / 5);
    } finally {
      fetches.unsubscribe(onFetch as never);
    }

    const receives = tracingChannel('plt:kafka:consumer:receives');
    const results: unknown[] = [];
    const onReceive = {
      asyncStart: (ctx: unknown) => void results.push((ctx as { result: unknown }).result),
    };
    receives.subscribe(onReceive as never);
    try {
      const traced = await consume('traced');
      const read = await readAll(traced.stream);
      expect(results.slice(0, COUNT)).toEqual(read.slice(0, COUNT));
      expect(results[3]).toBe(read[3]);
    } finally {
      receives.unsubscribe(onReceive as never);
    }
  });
});
