/** `herald dlq list | show | replay` against the real Kafka of the local stack. */
import { PassThrough } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { buildCli, parseCliEnv } from '@herald/cli';
import { deterministicId, silentLogger, topicNames, type DeliveryJob } from '@herald/core';
import { deadLetterHeaders, encodeDeadLetter, type DeadLetter } from '@herald/delivery';
import {
  deliveryLaneTopics,
  ensureTopics,
  heraldTopicSpecs,
  deleteTopicsWithPrefix,
} from '@herald/kafka';
import { readTopics, stackEnv, uniquePrefix, waitFor } from '@herald/testkit';

const prefix = uniquePrefix();
const topics = topicNames(prefix);
// Notification ids are UUIDs: the replayed status must match the published schema.
const ACME = deterministicId(prefix, 'acme');
const GLOBEX = deterministicId(prefix, 'globex');
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
      job(ACME, 'acme', 'normal'),
      'exhausted',
      'retries exhausted: 503',
      '2030-01-01T00:00:00.000Z',
    ),
    letter(
      job(GLOBEX, 'globex', 'critical'),
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
    GLOBEX,
  ]);
  expect((await herald('dlq', 'list', '--reason', '503')).map((l) => l.notificationId)).toEqual([
    ACME,
  ]);
  expect(
    (await herald('dlq', 'list', '--since', '2030-01-01T12:00:00Z', '--channel', 'webhook')).map(
      (l) => l.notificationId,
    ),
  ).toEqual([GLOBEX]);
  expect((await herald('dlq', 'list', '--kind', 'malformed'))[0]).toMatchObject({
    reason: 'not JSON',
    notificationId: null,
  });
}, 60_000);

it('shows the full letter of one notification', async () => {
  const [shown] = await herald('dlq', 'show', ACME);
  expect(shown).toMatchObject({
    kind: 'exhausted',
    job: { notificationId: ACME, attempt: 8 },
    attempts: [{ statusCode: 503 }],
  });
}, 30_000);

it('replays onto the right lane with the next attempt and a queued status', async () => {
  const out = await herald('dlq', 'replay', '--id', GLOBEX);
  expect(out).toEqual([
    { replayed: GLOBEX, attempt: 9, topic: topics.criticalDeliveries('webhook') },
    { replayed: 1, skippedWithoutJob: 0, dryRun: false },
  ]);
  const seen: { topic: string; value: Record<string, unknown> }[] = [];
  // Validates the status (schema, CloudEvents Kafka binding) before onRecord sees it.
  const consumer = await readTopics(kafka, {
    groupId: `${prefix}check`,
    topics: [topics.criticalDeliveries('webhook'), topics.status],
    onRecord: ({ topic, value }) => void seen.push({ topic, value: JSON.parse(value.toString()) }),
  });
  await waitFor('replayed job and status', () => seen.length >= 2, 20_000);
  await consumer.stop();
  const replayed = seen.find((s) => s.topic === topics.criticalDeliveries('webhook'))!.value;
  expect(replayed).toMatchObject({
    notificationId: GLOBEX,
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
