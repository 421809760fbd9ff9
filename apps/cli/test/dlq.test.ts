/** `herald dlq list | show | replay` against the real Kafka of the local stack. */
import { PassThrough } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { buildCli, parseCliEnv, type CliTerminal } from '@herald/cli';
import { deterministicId, silentLogger, topicNames, type DeliveryJob } from '@herald/core';
import {
  deadLetterHeaders,
  encodeDeadLetter,
  replayMarksKey,
  fitDeadLetter,
  type DeadLetter,
} from '@herald/delivery';
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
const env = parseCliEnv({
  KAFKA_BROKERS: stackEnv().KAFKA_BROKERS,
  REDIS_URL: stackEnv().REDIS_URL,
  HERALD_TOPIC_PREFIX: prefix,
});

function herald(...args: string[]): Promise<Record<string, unknown>[]> {
  return heraldOn({}, ...args);
}

/** A stream that says it is a terminal, and what was written to it. */
function fakeTerminal(): { stream: PassThrough & { isTTY: boolean }; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY: true });
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

async function heraldText(terminal: CliTerminal, ...args: string[]): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  await buildCli(env, silentLogger, out, terminal).parseAsync(['node', 'herald', ...args]);
  return text;
}

async function heraldOn(
  terminal: CliTerminal,
  ...args: string[]
): Promise<Record<string, unknown>[]> {
  return (await heraldText(terminal, ...args))
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

afterAll(async () => {
  await deleteTopicsWithPrefix(kafka, prefix);
  const redis = new Redis(stackEnv().REDIS_URL);
  await redis.del(replayMarksKey(topics.dlq));
  redis.disconnect();
});

async function waiting(): Promise<unknown> {
  return (JSON.parse(await heraldText({}, 'status', '--json')) as { dlq: unknown }).dlq;
}

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
  const out = await herald('dlq', 'replay', '--id', GLOBEX, '--yes');
  expect(out).toEqual([
    { replayed: GLOBEX, attempt: 9, topic: topics.criticalDeliveries('webhook') },
    { replayed: 1, skippedWithoutJob: 0, refusedTruncated: 0, dryRun: false },
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

it('refuses an unknown --kind, naming the valid ones', async () => {
  await expect(herald('dlq', 'list', '--kind', 'bogus')).rejects.toThrow(
    '--kind bogus is not a dead-letter kind; use permanent, exhausted, malformed, poison',
  );
});

it('replays only with a filter or --all, asks first, and needs --yes when it cannot ask', async () => {
  await expect(herald('dlq', 'replay')).rejects.toThrow(/needs a filter \(--id, .*\) or --all/);
  await expect(herald('dlq', 'replay', '--all')).rejects.toThrow(
    /would replay 1 dead letter\(s\) but cannot ask for confirmation \(stdin is not a terminal\); add --yes/,
  );
  // A dry run says what it would do, not that it did; GLOBEX was replayed already.
  expect(await herald('dlq', 'replay', '--all', '--dry-run')).toEqual([
    { wouldReplay: ACME, attempt: 9, topic: topics.deliveries('webhook') },
    { wouldReplay: 1, skippedWithoutJob: 1, refusedTruncated: 0, dryRun: true },
  ]);
  const asked: string[] = [];
  const no = async (question: string) => (asked.push(question), false);
  expect(await heraldOn({ confirm: no }, 'dlq', 'replay', '--all')).toEqual([
    { replayed: 0, skippedWithoutJob: 1, cancelled: true },
  ]);
  expect(asked).toEqual([`Replay 1 dead letter(s) from ${topics.dlq}?`]);
}, 60_000);

it('counts replayed dead letters as replayed in list and status, with progress on a terminal', async () => {
  // GLOBEX (offset 1) was replayed, ACME (offset 0) before it was not.
  const replayed = async () =>
    Object.fromEntries(
      (await herald('dlq', 'list')).map((l) => [l.notificationId ?? 'malformed', l.replayed]),
    );
  expect(await replayed()).toEqual({ [ACME]: false, [GLOBEX]: true, malformed: false });
  expect(await waiting()).toEqual({ topic: topics.dlq, messages: 2 });

  const terminal = fakeTerminal();
  await heraldOn({ progress: terminal.stream }, 'dlq', 'replay', '--id', ACME, '--yes');
  expect(terminal.text()).toMatch(/\rreading .*herald\.dlq \[#+\] 3\/3/);
  expect(terminal.text()).toMatch(/\rreplaying \[#+\] 1\/1/);
  expect(await replayed()).toEqual({ [ACME]: true, [GLOBEX]: true, malformed: false });
  expect(await waiting()).toEqual({ topic: topics.dlq, messages: 1 });

  // The malformed letter has no job to replay: picking it settles it. --quiet: no progress.
  const quiet = fakeTerminal();
  expect(
    await heraldOn(
      { progress: quiet.stream },
      '--quiet',
      'dlq',
      'replay',
      '--kind',
      'malformed',
      '--yes',
    ),
  ).toEqual([{ replayed: 0, skippedWithoutJob: 1, refusedTruncated: 0, dryRun: false }]);
  expect(quiet.text()).toBe('');
  expect(await replayed()).toEqual({ [ACME]: true, [GLOBEX]: true, malformed: true });
  expect(await waiting()).toEqual({ topic: topics.dlq, messages: 0 });
  // Not a terminal (a pipe, CI): no progress either.
  const piped = Object.assign(new PassThrough(), { isTTY: false });
  let pipedText = '';
  piped.on('data', (d: Buffer) => (pipedText += d.toString()));
  await heraldOn({ progress: piped }, 'dlq', 'list');
  expect(pipedText).toBe('');
}, 90_000);

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
  const out = await herald('dlq', 'replay', '--id', 'n-cut', '--yes');
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
