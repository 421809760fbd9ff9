/**
 * /v1/dead-letters on the real stack: a tenant lists, shows and replays its own dead
 * letters (herald.dlq read through @herald/operations, as `herald dlq` reads it), never
 * another tenant's.
 */
import { deterministicId, topicNames, type DeliveryJob } from '@herald/core';
import { deadLetterHeaders, encodeDeadLetter, type DeadLetter } from '@herald/delivery';
import { deliveryLaneTopics, ensureTopics } from '@herald/kafka';
import { readTopics, testRun, type TopicReader } from '@herald/testkit';
import { startV1, type V1Harness } from './v1-harness.js';

const run = testRun('api-v1-dlq');
const topics = topicNames(run.prefix);
const ACME = deterministicId('api-dlq', 'acme');
const GLOBEX = deterministicId('api-dlq', 'globex');
let h: V1Harness;
let acme: string;
let globex: string;
let reader: TopicReader;

const letter = (id: string, tenant: string, at: string): DeadLetter => {
  const job: DeliveryJob = {
    notificationId: id,
    event: { id: `e-${id}`, source: 's', type: 't' },
    tenant,
    rule: { id: 'r', version: 1 },
    channel: 'webhook',
    recipient: { ref: `r-${id}`, address: 'https://example.com/h' },
    priority: 'normal',
    attempt: 8,
    payload: {},
    plannedAt: '2030-01-01T00:00:00.000Z',
  };
  return {
    heraldDeadLetter: 1,
    kind: 'exhausted',
    reason: 'retries exhausted: 503',
    deadLetteredAt: at,
    notificationId: id,
    channel: 'webhook',
    tenant,
    job,
    attempts: [{ attempt: 8, at, outcome: 'transient', reason: '503', statusCode: 503 }],
    source: { topic: topics.deliveries('webhook'), partition: 0, offset: '1' },
  };
};

beforeAll(async () => {
  h = await startV1(run);
  await ensureTopics(
    run.kafka,
    deliveryLaneTopics(topics, 'webhook')
      .slice(1)
      .map((topic) => ({ topic, partitions: 1, replicationFactor: 1 })),
  );
  acme = await h.key('acme', ['admin']);
  globex = await h.key('globex', ['admin']);
  const producer = run.kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topics.dlq,
    messages: [
      letter(ACME, 'acme', '2030-01-01T00:00:00.000Z'),
      letter(GLOBEX, 'globex', '2030-01-02T00:00:00.000Z'),
    ].map((l) => ({
      key: l.notificationId!,
      value: encodeDeadLetter(l),
      headers: deadLetterHeaders(l),
    })),
  });
  await producer.disconnect();
  reader = await readTopics(run.kafka, {
    groupId: `${run.prefix}reader`,
    topics: [topics.deliveries('webhook'), topics.status],
  });
  run.defer(() => reader.stop());
}, 90_000);

afterAll(() => run.stop());

it('lists and shows only the tenant’s own dead letters', async () => {
  const list = await h.call(acme, 'GET', '/v1/dead-letters');
  expect(list.body.items).toEqual([
    expect.objectContaining({ notificationId: ACME, kind: 'exhausted', replayed: false }),
  ]);
  expect(
    (await h.call(acme, 'GET', '/v1/dead-letters?since=2031-01-01T00:00:00Z')).body.items,
  ).toEqual([]);
  const bad = await h.call(acme, 'GET', '/v1/dead-letters?since=yesterday');
  expect(bad.status).toBe(400);
  expect(bad.body.errors[0].field).toBe('querystring/since');
  expect((await h.call(acme, 'GET', `/v1/dead-letters/${ACME}`)).body.letters[0]).toMatchObject({
    notificationId: ACME,
    job: { tenant: 'acme' },
  });
  expect((await h.call(acme, 'GET', `/v1/dead-letters/${GLOBEX}`)).status).toBe(404);
});

it('replays: dry run publishes nothing; a replay of all touches only the tenant’s', async () => {
  const dry = await h.call(acme, 'POST', '/v1/dead-letters/replay', { id: ACME, dryRun: true });
  expect(dry.body).toMatchObject({
    dryRun: true,
    replayed: 1,
    notifications: [{ notificationId: ACME, attempt: 9 }],
  });
  expect((await h.call(acme, 'POST', '/v1/dead-letters/replay', {})).status).toBe(400);
  // globex's key cannot replay acme's letter: it matches nothing.
  expect(
    (await h.call(globex, 'POST', '/v1/dead-letters/replay', { id: ACME })).body.replayed,
  ).toBe(0);
  const replay = await h.call(acme, 'POST', '/v1/dead-letters/replay', { all: true });
  expect(replay.body).toMatchObject({
    dryRun: false,
    replayed: 1,
    notifications: [{ notificationId: ACME }],
  });
  const until = Date.now() + 20_000;
  while (!reader.records.some((r) => r.topic === topics.deliveries('webhook'))) {
    if (Date.now() > until) throw new Error('no replayed job');
    await new Promise((r) => setTimeout(r, 100));
  }
  const jobs = reader.records.filter((r) => r.topic === topics.deliveries('webhook'));
  expect(jobs.map((r) => JSON.parse(r.value.toString()).notificationId)).toEqual([ACME]);
  expect((await h.call(acme, 'GET', '/v1/dead-letters')).body.items[0].replayed).toBe(true);
  expect((await h.call(globex, 'GET', '/v1/dead-letters')).body.items[0]).toMatchObject({
    notificationId: GLOBEX,
    replayed: false,
  });
});

it('GET /v1/status: services, lag, the DLQ backlog, breakers without endpoints', async () => {
  const status = await h.call(acme, 'GET', '/v1/status');
  expect(status.status).toBe(200);
  expect(status.body.services.map((s: { name: string; up: boolean }) => [s.name, s.up])).toEqual([
    ['kafka', true],
    ['postgres', true],
    ['redis', true],
  ]);
  // The replay above moved the replay group over acme's letter; globex's still waits.
  expect(status.body.dlq).toEqual({ topic: topics.dlq, messages: 1 });
  expect(Array.isArray(status.body.consumerGroups)).toBe(true);
  expect(JSON.stringify(status.body.breakers)).not.toContain('endpoint');
});
