/**
 * kafkajs' producer after a broker died mid-send (patches/kafkajs+2.2.4.patch, kafkajs
 * issue #1303): the retry must send every partition not acknowledged yet, also to a
 * broker that had already answered for other partitions. Upstream skipped every broker
 * that had answered, so when the dead broker's partitions moved to one of them their
 * messages were never sent and send() resolved — the cluster chaos profile lost events
 * and jobs this way around its leader kill.
 *
 * The writes and the read-back are the real local broker's; the one simulated part is the
 * broker that dies: on the first attempt half of the partitions are led by a broker whose
 * connection fails, as a SIGKILLed broker's does, and after the metadata refresh the
 * real broker leads them all, as after a leader election.
 */
import { createRequire } from 'node:module';
import { Kafka, logLevel } from 'kafkajs';
import { stackEnv, uniquePrefix } from '@herald/testkit';

const require = createRequire(import.meta.url);
// kafkajs' own modules, wired the way its producer wires them (producer/index.js).
const createSendMessages = require('kafkajs/src/producer/sendMessages');
const createRetry = require('kafkajs/src/retry');
const createEosManager = require('kafkajs/src/producer/eosManager');
const createPartitioner = require('kafkajs/src/producer/partitioners/default');
const Cluster = require('kafkajs/src/cluster');
const socketFactory = require('kafkajs/src/network/socketFactory');
const { createLogger, LEVELS } = require('kafkajs/src/loggers');
const { KafkaJSConnectionError } = require('kafkajs/src/errors');

const topic = `${uniquePrefix()}produce-retry`;
const brokers = stackEnv().KAFKA_BROKERS.split(',');
const kafka = new Kafka({ clientId: 'produce-retry-test', brokers, logLevel: logLevel.NOTHING });
const logger = createLogger({ level: LEVELS.NOTHING, logCreator: () => () => undefined });
const PARTITIONS = 4;
const DEAD = 999;

beforeAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS }],
    waitForLeaders: true,
  });
  await admin.disconnect();
});

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

/** A broker whose connection fails like a SIGKILLed one's. */
const deadBroker = {
  nodeId: DEAD,
  produce: async () => {
    throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED (killed broker)', {
      broker: 'dead:9092',
    });
  },
};

/** What the test touches of kafkajs' (untyped, internal) Cluster. */
interface ClusterLike {
  refreshMetadata(...args: unknown[]): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(query: { nodeId: number }): Promise<unknown>;
}

/** The real cluster, except that partitions 1 and 3 are led by the dead broker until a refresh. */
function clusterWithDeadLeader(real: ClusterLike) {
  let electedAgain = false;
  return new Proxy(real, {
    get(target, name) {
      if (name === 'refreshMetadata')
        return async (...args: unknown[]) => {
          electedAgain = true;
          return target.refreshMetadata(...args);
        };
      if (name === 'findLeaderForPartitions')
        return (t: string, partitions: number[]) => {
          const leaders = target.findLeaderForPartitions(t, partitions);
          if (electedAgain) return leaders;
          const moved: Record<string, number[]> = {};
          for (const [nodeId, ps] of Object.entries(leaders)) {
            const kept = ps.filter((p) => Number(p) % 2 === 0);
            const lost = ps.filter((p) => Number(p) % 2 === 1);
            if (kept.length > 0) moved[nodeId] = kept;
            if (lost.length > 0) moved[DEAD] = [...(moved[DEAD] ?? []), ...lost];
          }
          return moved;
        };
      if (name === 'findBroker')
        return async ({ nodeId }: { nodeId: number }) =>
          Number(nodeId) === DEAD ? deadBroker : target.findBroker({ nodeId });
      const value: unknown = Reflect.get(target, name);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

async function countRecords(): Promise<Map<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const expected = ends.reduce((n, o) => n + Number(o.high), 0);
  const seen = new Map<string, number>();
  const consumer = kafka.consumer({ groupId: `${topic}-reader` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let total = 0;
  await new Promise<void>((resolve) => {
    if (expected === 0) resolve();
    void consumer.run({
      eachMessage: async ({ message }) => {
        const key = message.value!.toString();
        seen.set(key, (seen.get(key) ?? 0) + 1);
        if (++total >= expected) resolve();
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

it('sends the dead broker’s partitions again, to the broker that already answered for others', async () => {
  const real = new Cluster({
    logger,
    brokers,
    clientId: 'produce-retry-test',
    socketFactory: socketFactory(),
    connectionTimeout: 1000,
    enforceRequestTimeout: true,
    offsets: new Map(),
    retry: { retries: 0 },
  });
  await real.connect();
  try {
    await real.addTargetTopic(topic);
    const cluster = clusterWithDeadLeader(real);
    const send = createSendMessages({
      logger,
      cluster,
      partitioner: createPartitioner(),
      eosManager: createEosManager({ logger, cluster, transactional: false }),
      retrier: createRetry({ retries: 3, initialRetryTime: 50, maxRetryTime: 500 }),
    });
    const messages = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `m${i}` }));
    const responses = await send({ acks: -1, timeout: 5000, topicMessages: [{ topic, messages }] });
    // One acknowledgement per partition the messages went to, each from the real broker.
    expect(new Set(responses.map((r: { partition: number }) => r.partition)).size).toBe(PARTITIONS);
    const seen = await countRecords();
    expect([...seen.keys()].sort()).toEqual(messages.map((m) => m.value).sort());
    // The partitions the real broker acknowledged on the first attempt are not sent twice.
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  } finally {
    await real.disconnect();
  }
});
