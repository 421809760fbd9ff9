/** `herald dlq list | show | replay` against the real Kafka of the local stack. */
import { PassThrough } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { buildCli, parseCliEnv } from '@herald/cli';
import { silentLogger, topicNames, type DeliveryJob } from '@herald/core';
import {
  deadLetterHeaders,
  encodeDeadLetter,
  fitDeadLetter,
  type DeadLetter,
} from '@herald/delivery';
import {
  deliveryLaneTopics,
  ensureTopics,
  heraldTopicSpecs,
  deleteTopicsWithPrefix,
} from '@herald/kafka';
import { stackEnv, uniquePrefix, waitFor } from '@herald/testkit';

const prefix = uniquePrefix();
const topics = topicNames(prefix);
const kafka = new Kafka({
  clientId: 'cli-dlq-test',
  brokers: stackEnv().KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
const env = parseCliEnv({ KAFKA_BROKERS: stackEnv().KAFKA_BROKERS, HERALD_TOPIC_PREFIX: prefix });

async function herald(...args: string[]): Promise<Record<string, unknown>[]> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  await buildCli(env, silentLogger, out).parseAsync(['node', 'herald', ...args]);
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const job = (id: string, tenant: string, priority: DeliveryJob['priority']): DeliveryJob => ({
  notificationId: id,
  event: { id: `e-${id}`, source: 's', type: 't' },
  tenant,
  rule: { id: 'r', version: 1 },
  channel: 'webhook',
  recipient: { ref: `r-${id}`, address: 'https://example.com/h' },
  priority,
  attempt: 8,
  payload: {},
  plannedAt: '2030-01-01T00:00:00.000Z',
});
const letter = (
  j: DeliveryJob,
  kind: DeadLetter['kind'],
  reason: string,
  at: string,
): DeadLetter => ({
  heraldDeadLetter: 1,
  kind,
  reason,
  deadLetteredAt: at,
  notificationId: j.notificationId,
  channel: j.channel,
  tenant: j.tenant,
  job: j,
  attempts: [{ attempt: 8, at, outcome: 'transient', reason, statusCode: 503 }],
  source: { topic: topics.deliveries('webhook'), partition: 0, offset: '1' },
});

beforeAll(async () => {
  await ensureTopics(kafka, [
    ...heraldTopicSpecs(topics, 1, 1),
    ...deliveryLaneTopics(topics, 'webhook')
      .slice(1)
      .map((topic) => ({ topic, partitions: 1, replicationFactor: 1 })),
  ]);
  const producer = kafka.producer();
  await producer.connect();
  const letters = [
    letter(
      job('n-acme', 'acme', 'normal'),
      'exhausted',
      'retries exhausted: 503',
      '2030-01-01T00:00:00.000Z',
    ),
    letter(
      job('n-globex', 'globex', 'critical'),
      'permanent',
      'HTTP 410 gone',
      '2030-01-02T00:00:00.000Z',
    ),
  ];
  await producer.send({
    topic: topics.dlq,
    messages: [
      ...letters.map((l) => ({
        key: l.notificationId!,
        value: encodeDeadLetter(l),
        headers: deadLetterHeaders(l),
      })),
      {
        key: null,
        value: '{raw',
        headers: {
          'herald-dlq-reason': 'not JSON',
          'herald-dlq-source-topic': topics.status,
          'herald-dlq-source-offset': '0:5',
        },
      },
    ],
  });
  await producer.disconnect();
});

afterAll(() => deleteTopicsWithPrefix(kafka, prefix));

it('lists with filters by tenant, reason, kind and time', async () => {
  expect((await herald('dlq', 'list')).map((l) => l.kind)).toEqual([
    'exhausted',
    'permanent',
    'malformed',
  ]);
  expect((await herald('dlq', 'list', '--tenant', 'globex')).map((l) => l.notificationId)).toEqual([
    'n-globex',
  ]);
  expect((await herald('dlq', 'list', '--reason', '503')).map((l) => l.notificationId)).toEqual([
    'n-acme',
  ]);
  expect(
    (await herald('dlq', 'list', '--since', '2030-01-01T12:00:00Z', '--channel', 'webhook')).map(
      (l) => l.notificationId,
    ),
  ).toEqual(['n-globex']);
  expect((await herald('dlq', 'list', '--kind', 'malformed'))[0]).toMatchObject({
    reason: 'not JSON',
    notificationId: null,
  });
}, 60_000);

it('shows the full letter of one notification', async () => {
  const [shown] = await herald('dlq', 'show', 'n-acme');
  expect(shown).toMatchObject({
    kind: 'exhausted',
    job: { notificationId: 'n-acme', attempt: 8 },
    attempts: [{ statusCode: 503 }],
  });
}, 30_000);

it('replays onto the right lane with the next attempt and a queued status', async () => {
  const out = await herald('dlq', 'replay', '--id', 'n-globex');
  expect(out).toEqual([
    { replayed: 'n-globex', attempt: 9, topic: topics.criticalDeliveries('webhook') },
    { replayed: 1, skippedWithoutJob: 0, refusedTruncated: 0, dryRun: false },
  ]);
  const seen: { topic: string; value: Record<string, unknown> }[] = [];
  const consumer = kafka.consumer({ groupId: `${prefix}check` });
  await consumer.connect();
  await consumer.subscribe({
    topics: [topics.criticalDeliveries('webhook'), topics.status],
    fromBeginning: true,
  });
  await consumer.run({
    eachMessage: async ({ topic, message }) =>
      void seen.push({ topic, value: JSON.parse(message.value!.toString()) }),
  });
  await waitFor('replayed job and status', () => seen.length >= 2, 20_000);
  await consumer.disconnect();
  const replayed = seen.find((s) => s.topic === topics.criticalDeliveries('webhook'))!.value;
  expect(replayed).toMatchObject({
    notificationId: 'n-globex',
    attempt: 9,
    replay: { count: 1, fromAttempt: 8 },
  });
  const status = seen.find((s) => s.topic === topics.status)!.value;
  expect(status).toMatchObject({
    type: 'herald.notification.queued',
    data: {
      attempt: 9,
      reason: expect.stringMatching(
        /^replayed from .*herald\.dlq 0:1 \(replay 1, was permanent: HTTP 410 gone\)/,
      ),
    },
  });
}, 60_000);

it('refuses to replay a dead letter cut down to the record limit, naming the original', async () => {
  // A letter whose payload was left out to fit (the worker's fitDeadLetter).
  const full = letter(
    job('n-cut', 'acme', 'normal'),
    'permanent',
    'HTTP 400',
    '2030-01-03T00:00:00.000Z',
  );
  const cut = fitDeadLetter(
    { ...full, job: { ...full.job!, payload: { blob: 'x'.repeat(5_000) } } },
    (l) => encodeDeadLetter(l).length < 2_000,
  );
  expect(cut.truncated?.omitted).toBe('payload');
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topics.dlq,
    messages: [{ key: 'n-cut', value: encodeDeadLetter(cut), headers: deadLetterHeaders(cut) }],
  });
  await producer.disconnect();
  const out = await herald('dlq', 'replay', '--id', 'n-cut');
  expect(out).toEqual([
    {
      refused: 'n-cut',
      offset: expect.stringMatching(/^0:\d+$/),
      error: expect.stringMatching(
        /^HERALD_ERR_DLQ_TRUNCATED: dead letter n-cut cannot be replayed: its payload was left out .*the original is .*herald\.deliveries\.webhook 0:1$/,
      ),
    },
    { replayed: 0, skippedWithoutJob: 0, refusedTruncated: 1, dryRun: false },
  ]);
}, 60_000);
