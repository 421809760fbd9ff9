/**
 * A consumer kafkajs will not restart (a crash on an error it does not call retriable,
 * as after a broker restart: "Failed to find group coordinator") used to stay stopped
 * while the process looked alive. StageConsumer now replaces it and rejoins.
 * The crash is provoked deterministically: `releaseAt` throws a TypeError once, in
 * kafkajs' eachBatch, which kafkajs treats as unrecoverable (restart: false), as it
 * does KafkaJSNoBrokerAvailableError while every broker is away.
 */
import { Kafka, logLevel } from 'kafkajs';
import { silentLogger } from '@herald/core';
import { deleteTopics, ensureTopics, StageConsumer } from '@herald/kafka';
import { stackEnv, uniquePrefix, waitFor } from '@herald/testkit';

const prefix = uniquePrefix();
const input = `${prefix}in`;
const kafka = new Kafka({
  clientId: 'stage-rejoin-test',
  brokers: stackEnv().KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
let consumer: StageConsumer | undefined;

beforeAll(() => ensureTopics(kafka, [{ topic: input, partitions: 1, replicationFactor: 1 }]));
afterAll(async () => {
  await consumer?.stop();
  await deleteTopics(kafka, [input]);
});

it('rejoins with a new consumer after a crash kafkajs does not restart from, and handles every record', async () => {
  const handled: string[] = [];
  const errors: string[] = [];
  let crashes = 0;
  consumer = new StageConsumer({
    kafka,
    groupId: `${prefix}g`,
    topics: [input],
    logger: {
      ...silentLogger,
      child: () => ({ ...silentLogger, error: (_f: object, m: string) => void errors.push(m) }),
    } as typeof silentLogger,
    handler: {
      handle: async (records) => {
        for (const r of records) handled.push(r.value!.toString());
        return [];
      },
    },
    releaseAt: (_topic, timestamp) => {
      if (crashes++ === 0) throw new TypeError('a bug kafkajs does not retry');
      return timestamp;
    },
    outageLimitMs: 60_000,
    onOutage: () => {
      throw new Error('onOutage must not be called: the broker is up');
    },
  });
  await consumer.start();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: input, messages: [{ value: 'a' }, { value: 'b' }] });
  await producer.disconnect();
  await waitFor('both records handled after the rejoin', () => handled.length >= 2, 30_000);
  expect(handled).toEqual(['a', 'b']);
  expect(errors).toContain('consumer crashed');
  expect(consumer.joined).toBe(true);
}, 40_000);
