/**
 * Client scripts run in a child process of this Node against the test stack: what a
 * library prints or schedules is seen as an app would see it, outside jest's sandbox.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stackEnv, uniquePrefix } from '@herald/testkit';

/** Runs an ES module `script` given the brokers and a fresh topic name as its arguments. */
export function runClientScript(
  script: string,
  topicName: string,
): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      script,
      stackEnv().KAFKA_BROKERS,
      `${uniquePrefix()}${topicName}`,
    ],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), timeout: 60_000 },
  );
}

/**
 * A kafkajs script: `prelude` runs first, then an admin creates the topic and a producer
 * sends one record to it (`kafka`, `admin`, `producer` and `topic` are in scope), then `body`.
 */
export function kafkajsScript(clientId: string, body: string, prelude = ''): string {
  return `
import { Kafka, logLevel } from 'kafkajs';
const [brokers, topic] = process.argv.slice(1);
${prelude}
const kafka = new Kafka({ clientId: '${clientId}', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
const producer = kafka.producer();
await producer.connect();
await producer.send({ topic, acks: -1, messages: [{ value: 'x' }] });
${body}
`;
}
