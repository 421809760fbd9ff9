/**
 * Issue 19: kafkajs 2.2.4 as published arms a 1 ms timer in every connection's request
 * queue after each check, whether or not a request waits, so an idle connection wakes its
 * process about 1,000 times a second (kafkajs #1556, #1704). Herald's apps keep kafkajs
 * admin connections open for their lag metrics, and the bench's producer is kafkajs: the
 * wake-ups cost CPU on every core the pipeline shares. patches/kafkajs+2.2.4.patch arms the
 * timer only while a request is pending. Run in a child process against the real broker:
 * an admin and a producer that have talked to Kafka, then a second of silence, counting
 * the timers kafkajs' request queue arms in it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stackEnv, uniquePrefix } from '@herald/testkit';

const script = `
import { Kafka, logLevel } from 'kafkajs';
const [brokers, topic] = process.argv.slice(1);
let armed = 0;
const setTimeoutOf = globalThis.setTimeout;
globalThis.setTimeout = function (fn, ms, ...args) {
  if (new Error().stack.includes('requestQueue')) armed++;
  return setTimeoutOf(fn, ms, ...args);
};
const kafka = new Kafka({ clientId: 'idle-timers-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
const producer = kafka.producer();
await producer.connect();
await producer.send({ topic, acks: -1, messages: [{ value: 'x' }] });
await admin.fetchTopicOffsets(topic);
const before = armed;
await new Promise((resolve) => setTimeoutOf(resolve, 1000));
const idle = armed - before;
await producer.disconnect();
await admin.deleteTopics({ topics: [topic] });
await admin.disconnect();
console.log(JSON.stringify({ before, idle }));
`;

it('kafkajs connections arm no timers while no request waits', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script, stackEnv().KAFKA_BROKERS, `${uniquePrefix()}idle`],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), timeout: 60_000 },
  );
  const { idle } = JSON.parse(stdout.trim()) as { before: number; idle: number };
  // Unpatched, each open connection re-arms its 1 ms timer through the whole second.
  expect(idle).toBe(0);
}, 90_000);
