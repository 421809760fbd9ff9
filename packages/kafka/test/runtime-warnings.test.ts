/**
 * Issue 19, item 1: on Node 24, kafkajs 2.2.4 as published prints a TimeoutNegativeWarning
 * on its first requests (kafkajs #1751); patches/kafkajs+2.2.4.patch never asks for a
 * negative delay (and arms no timer while no request waits: kafkajs-idle-timers.test.ts).
 * Run in a child process on this Node, talking to the real broker, with the same requests
 * a stage makes (metadata, produce, fetch).
 */
import { kafkajsScript, runClientScript } from './child-script.js';

const script = kafkajsScript(
  'warnings-test',
  `
const consumer = kafka.consumer({ groupId: topic, maxWaitTimeInMs: 100 });
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await new Promise((resolve) => consumer.run({ eachMessage: async () => resolve() }));
await consumer.disconnect();
await producer.disconnect();
await admin.deleteTopics({ topics: [topic] });
await admin.disconnect();
console.log('done');
`,
);

// The same requests on @platformatic/kafka (HERALD_KAFKA_CLIENT=platformatic).
const platformaticScript = `
import { Admin, Consumer, Producer, ProduceAcks } from '@platformatic/kafka';
const [brokers, topic] = process.argv.slice(1);
const base = { clientId: 'warnings-test', bootstrapBrokers: brokers.split(',') };
const admin = new Admin(base);
await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
const producer = new Producer({ ...base, idempotent: true });
await producer.send({ messages: [{ topic, value: Buffer.from('x') }], acks: ProduceAcks.ALL });
const consumer = new Consumer({ ...base, groupId: topic, maxWaitTime: 100, autocommit: false });
const stream = await consumer.consume({ topics: [topic], mode: 'earliest' });
for await (const message of stream) break;
await stream.close();
await consumer.close(true);
await producer.close();
await admin.deleteTopics({ topics: [topic] });
await admin.close();
console.log('done');
`;

it.each([
  ['kafkajs', script],
  ['platformatic', platformaticScript],
])(
  'talks to Kafka on %s without runtime warnings on this Node',
  async (_client, script) => {
    const { stdout, stderr } = await runClientScript(script, 'warnings');
    expect(stdout.trim()).toBe('done');
    expect(stderr).not.toMatch(/Warning/);
  },
  90_000,
);
