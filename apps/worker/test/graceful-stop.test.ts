/**
 * The worker as a process: SIGTERM while a webhook request is in flight lets the
 * request finish, publishes its status, commits, and exits 0.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import {
  deterministicId,
  encodeDeliveryJob,
  topicNames,
  type DeliveryJob,
  type StatusEvent,
} from '@herald/core';
import { deleteTopicsWithPrefix } from '@herald/kafka';
import {
  readTopics,
  stackEnv,
  startReceiver,
  uniquePrefix,
  waitFor,
  type Receiver,
} from '@herald/testkit';

const prefix = uniquePrefix();
const topics = topicNames(prefix);
const kafka = new Kafka({
  clientId: 'worker-test',
  brokers: stackEnv().KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver.close();
  await deleteTopicsWithPrefix(kafka, prefix);
});

it('drains the in-flight send on SIGTERM, publishes its status and exits 0', async () => {
  receiver.respondWith(200, {}, 'ok', 1_500);
  const child = spawn(process.execPath, [main, '--channel', 'webhook'], {
    env: {
      PATH: process.env.PATH,
      KAFKA_BROKERS: stackEnv().KAFKA_BROKERS,
      HERALD_TOPIC_PREFIX: prefix,
      HERALD_TOPIC_PARTITIONS: '1',
      HERALD_METRICS_PORT: '0',
      HERALD_WEBHOOK_SECRETS: JSON.stringify({
        default: `whsec_${randomBytes(24).toString('base64')}`,
      }),
      HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      HERALD_LOG_LEVEL: 'info',
      // The legacy shape, through the real process's settings: `sending` in front of `sent`.
      HERALD_WORKER_SENDING_STATUS: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  await waitFor('the worker to start', () => output.includes('"msg":"started"'), 60_000);
  const job: DeliveryJob = {
    notificationId: deterministicId('evt-sigterm', 'r', 'hook', 'webhook'),
    event: {
      id: 'evt-sigterm',
      source: 'test',
      type: 'test.sigterm',
      time: new Date().toISOString(),
    },
    tenant: 'acme',
    rule: { id: 'r', version: 1 },
    channel: 'webhook',
    recipient: { ref: 'hook', address: `${receiver.url}/slow` },
    priority: 'normal',
    attempt: 1,
    payload: { hello: 'world' },
    plannedAt: new Date().toISOString(),
  };
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topics.deliveries('webhook'),
    messages: [{ key: 'hook', value: encodeDeliveryJob(job) }],
  });
  await producer.disconnect();

  await waitFor('the request to be in flight', () => receiver.requests.length === 1, 30_000);
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(output).toContain('"msg":"stopped"');

  // The status of the drained send was published before the exit.
  const reader = await readTopics<StatusEvent>(kafka, {
    groupId: `${prefix}reader`,
    topics: [topics.status],
  });
  try {
    await waitFor('the sent status', () => reader.statuses.length >= 2, 20_000);
    expect(reader.statuses.map((s) => s.type)).toEqual([
      'herald.notification.sending',
      'herald.notification.sent',
    ]);
    const [sending, sent] = reader.statuses;
    expect(sent!.data.attemptStartedAt).toBe(sending!.data.occurredAt);
  } finally {
    await reader.stop();
  }

  // And its offset was committed: a restarted group would not send it again.
  const admin = kafka.admin();
  await admin.connect();
  const [offsets] = await admin.fetchOffsets({
    groupId: `${prefix}herald-worker-webhook`,
    topics: [topics.deliveries('webhook')],
  });
  await admin.disconnect();
  expect(offsets!.partitions[0]!.offset).toBe('1');
});
