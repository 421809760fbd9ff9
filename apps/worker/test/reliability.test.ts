/**
 * The worker's delivery reliability against the real Kafka, Redis and Postgres of the
 * local stack: retries through the delay lanes, Retry-After, dead letters, idempotency,
 * notBefore, the priority lane, poison records, rate limits and circuit breakers.
 */
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Producer } from 'kafkajs';
import { Redis } from 'ioredis';
import {
  deterministicId,
  encodeDeliveryJob,
  silentLogger,
  topicNames,
  type DeliveryJob,
  type StatusEvent,
} from '@herald/core';
import { breakerStateKey, readDeadLetter, type DeadLetter } from '@herald/delivery';
import { createDatabase, migrateToLatest, RateLimitPolicyStore } from '@herald/store';
import { createLogger } from '@herald/telemetry';
import { buildWorker, parseWorkerEnv, type Worker } from '@herald/worker';
import {
  deleteStackRedisKeys,
  readTopics,
  stackEnv,
  testRun,
  type TopicReader,
  waitFor,
} from '@herald/testkit';

const run = testRun('worker-rel');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
const letters: DeadLetter[] = [];
const hits: { path: string; id: string; at: number }[] = [];
const counters = new Map<string, number>();
let server: Server;
let base: string;
let worker: Worker;
let producer: Producer;
let reader: TopicReader<StatusEvent>;
/** Every status the worker published, each validated by the reader (schema, CloudEvents binding). */
const statuses = (): readonly StatusEvent[] => reader.statuses;

function answer(path: string, n: number): [number, Record<string, string>] {
  if (path.startsWith('/ok')) return [204, {}];
  if (path.startsWith('/flaky')) return n <= 2 ? [503, {}] : [204, {}];
  if (path.startsWith('/perm')) return [400, { 'content-type': 'application/json' }];
  if (path.startsWith('/down')) return [503, {}];
  if (path.startsWith('/slowdown')) return n === 1 ? [429, { 'retry-after': '2' }] : [204, {}];
  if (path.startsWith('/breaker')) return [500, {}];
  return [404, {}];
}

// Failing endpoints get hosts of their own (127.0.0.x), so each has its own circuit breaker.
const hostFor = (path: string) =>
  path.startsWith('/flaky')
    ? base.replace('127.0.0.1', '127.0.0.2')
    : path.startsWith('/down')
      ? base.replace('127.0.0.1', '127.0.0.3')
      : path.startsWith('/slowdown')
        ? base.replace('127.0.0.1', '127.0.0.4')
        : base;

function job(id: string, path: string, extra: Partial<DeliveryJob> = {}): DeliveryJob {
  return {
    notificationId: deterministicId(prefix, id),
    event: {
      id: `e-${id}`,
      source: 'test',
      type: 'test.reliability',
      time: new Date().toISOString(),
    },
    tenant: 'acme',
    rule: { id: 'r', version: 1 },
    channel: 'webhook',
    recipient: { ref: `rcpt-${id}`, address: `${hostFor(path)}${path}` },
    priority: 'normal',
    attempt: 1,
    payload: { id },
    plannedAt: new Date().toISOString(),
    ...extra,
  };
}

async function publish(j: DeliveryJob, topic = topics.deliveries('webhook')) {
  await producer.send({ topic, messages: [{ key: j.recipient.ref, value: encodeDeliveryJob(j) }] });
}

const statesOf = (j: DeliveryJob) =>
  statuses()
    .filter((s) => s.subject === j.notificationId)
    .map((s) => `${s.data.state}:${s.data.attempt}`);

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const path = req.url ?? '/';
      const n = (counters.get(path) ?? 0) + 1;
      counters.set(path, n);
      hits.push({ path, id: String(req.headers['webhook-id']), at: Date.now() });
      const [code, headers] = answer(path, n);
      // A provider explains a refusal in its body; the dead letter's status carries it.
      const reply = code === 400 ? `{"error":"recipient   ${'x'.repeat(300)}"}` : undefined;
      res.writeHead(code, headers).end(reply);
    });
  });
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  run.defer(() => server.close());
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The run's Redis keys (idempotency marks, rate-limit windows, breaker states) go last.
  run.defer(() => deleteStackRedisKeys(prefix));
  const { url } = await run.database();
  const database = createDatabase({ url, poolSize: 2, logger: silentLogger });
  await migrateToLatest(database);
  await new RateLimitPolicyStore(database).upsert({
    id: 'paced',
    scope: 'recipient',
    tenant: 'paced-tenant',
    channel: 'webhook',
    provider: null,
    limit: 1,
    periodMs: 1_000,
    burst: 1,
    action: 'defer',
    bypassCritical: true,
  });
  await database.destroy();
  const env = parseWorkerEnv({
    ...run.settings(),
    REDIS_URL: stackEnv().REDIS_URL,
    HERALD_WEBHOOK_SECRETS: JSON.stringify({
      default: `whsec_${randomBytes(24).toString('base64')}`,
    }),
    HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_WORKER_RETRY_POLICIES: JSON.stringify({
      webhook: {
        maxAttempts: 3,
        baseDelayMs: 200,
        maxDelayMs: 400,
        minDelayMs: 100,
        maxAgeMs: 120_000,
      },
    }),
    HERALD_WORKER_BREAKER: JSON.stringify({
      minRequests: 3,
      failureRatio: 0.5,
      openMs: 60_000,
      windowMs: 60_000,
    }),
  });
  worker = await run.start(
    buildWorker(
      env,
      process.env.DEBUG_WORKER ? createLogger({ app: 'worker', level: 'info' }) : silentLogger,
    ),
  );
  producer = kafka.producer();
  run.defer(() => producer.disconnect());
  await producer.connect();
  reader = await readTopics<StatusEvent>(kafka, {
    groupId: `${prefix}reader`,
    topics: [topics.status, topics.dlq],
    onRecord: (record) => {
      if (record.topic === topics.dlq)
        letters.push(
          readDeadLetter({ ...record, key: record.key === null ? null : Buffer.from(record.key) })
            .letter,
        );
    },
  });
  run.defer(() => reader.stop());
}, 120_000);

afterAll(() => run.stop(), 60_000);

it('retries a transient failure through the delay lane and sends on the third attempt', async () => {
  const j = job('flaky', '/flaky');
  await publish(j);
  await waitFor('sent', () => statesOf(j).includes('sent:3'), 30_000);
  // Each try publishes its outcome only (no `sending`, HERALD_WORKER_SENDING_STATUS is
  // off); the outcome says when the try began, before it ended.
  expect(statesOf(j)).toEqual(['retrying:1', 'retrying:2', 'sent:3']);
  const tries = statuses().filter((s) => s.subject === j.notificationId);
  for (const s of tries) {
    expect(s.data.attemptStartedAt).toEqual(expect.any(String));
    expect(Date.parse(s.data.attemptStartedAt!)).toBeLessThanOrEqual(Date.parse(s.data.occurredAt));
  }
  // Each try began after the previous one's retry time.
  expect(Date.parse(tries[1]!.data.attemptStartedAt!)).toBeGreaterThanOrEqual(
    Date.parse(tries[0]!.data.notBefore!),
  );
  const retrying = statuses().find(
    (s) => s.subject === j.notificationId && s.data.state === 'retrying',
  )!;
  expect(retrying.data).toMatchObject({
    maxAttempts: 3,
    retryable: true,
    provider: { statusCode: 503 },
  });
  expect(Date.parse(retrying.data.notBefore!)).toBeGreaterThan(
    Date.parse(retrying.data.occurredAt),
  );
  // The provider-facing idempotency key is the notification id on every attempt.
  expect(hits.filter((h) => h.path === '/flaky').map((h) => h.id)).toEqual(
    Array(3).fill(j.notificationId),
  );
}, 40_000);

it('dead-letters a permanent failure at once, with the job and the attempt', async () => {
  const j = job('perm', '/perm');
  await publish(j);
  await waitFor(
    'dead letter',
    () => letters.some((l) => l.notificationId === j.notificationId),
    20_000,
  );
  const letter = letters.find((l) => l.notificationId === j.notificationId)!;
  expect(letter).toMatchObject({
    kind: 'permanent',
    channel: 'webhook',
    tenant: 'acme',
    job: { notificationId: j.notificationId },
  });
  expect(letter.attempts).toEqual([
    expect.objectContaining({ attempt: 1, outcome: 'permanent', statusCode: 400 }),
  ]);
  await waitFor('dead_lettered status', () => statesOf(j).includes('dead_lettered:1'), 10_000);
  expect(statesOf(j)).toEqual(['dead_lettered:1']);
  // The provider's answer travels with the dead letter: status code and the body's start.
  const dead = statuses().find(
    (s) => s.subject === j.notificationId && s.data.state === 'dead_lettered',
  )!;
  expect(dead.data.provider).toEqual({
    name: 'webhook',
    statusCode: 400,
    message: expect.stringMatching(/^\{"error":"recipient x{100,}/),
  });
  expect(dead.data.provider!.message!.length).toBeLessThanOrEqual(200);
});

it('dead-letters after max attempts with every attempt’s outcome', async () => {
  const j = job('down', '/down');
  await publish(j);
  await waitFor(
    'dead letter',
    () => letters.some((l) => l.notificationId === j.notificationId),
    30_000,
  );
  const letter = letters.find((l) => l.notificationId === j.notificationId)!;
  expect(letter.kind).toBe('exhausted');
  expect(letter.reason).toMatch(/3 of 3 attempts used/);
  expect(letter.attempts.map((a) => [a.attempt, a.outcome, a.statusCode])).toEqual([
    [1, 'transient', 503],
    [2, 'transient', 503],
    [3, 'transient', 503],
  ]);
  expect(counters.get('/down')).toBe(3);
}, 40_000);

it('honours Retry-After', async () => {
  const j = job('slowdown', '/slowdown');
  await publish(j);
  await waitFor('sent', () => statesOf(j).includes('sent:2'), 20_000);
  const times = hits.filter((h) => h.path === '/slowdown').map((h) => h.at);
  expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1_950);
});

it('holds a notBefore job without delaying the traffic behind it', async () => {
  const later = job('later', '/ok-later', {
    notBefore: new Date(Date.now() + 3_000).toISOString(),
  });
  const now = job('now', '/ok-now');
  const published = Date.now();
  await publish(later);
  await publish(now);
  await waitFor('the immediate job', () => statesOf(now).includes('sent:1'), 10_000);
  expect(hits.find((h) => h.path === '/ok-now')!.at - published).toBeLessThan(2_500);
  await waitFor('the held job', () => statesOf(later).includes('sent:1'), 15_000);
  expect(hits.find((h) => h.path === '/ok-later')!.at).toBeGreaterThanOrEqual(
    Date.parse(later.notBefore!) - 100,
  );
}, 30_000);

it('sends a job once even when it is published twice (idempotency mark)', async () => {
  const j = job('twice', '/ok-twice');
  await publish(j);
  await waitFor('sent', () => statesOf(j).includes('sent:1'), 10_000);
  await publish(j);
  await waitFor('the duplicate to be handled', () => statesOf(j).length >= 2, 10_000);
  expect(statesOf(j)).toEqual(['sent:1', 'sent:1']);
  // The second `sent`, re-published from the mark, says when the one send began.
  const [first, again] = statuses().filter((s) => s.subject === j.notificationId);
  expect(again!.data.attemptStartedAt).toBe(first!.data.attemptStartedAt);
  expect(
    new Set(
      statuses()
        .filter((s) => s.subject === j.notificationId && s.data.state === 'sent')
        .map((s) => s.id),
    ).size,
  ).toBe(1);
  expect(hits.filter((h) => h.path === '/ok-twice')).toHaveLength(1);
});

it('consumes the priority lane', async () => {
  const j = job('critical', '/ok-critical', { priority: 'critical' });
  await publish(j, topics.criticalDeliveries('webhook'));
  await waitFor('sent', () => statesOf(j).includes('sent:1'), 10_000);
});

it('dead-letters an undecodable record instead of looping', async () => {
  await producer.send({
    topic: topics.deliveries('webhook'),
    messages: [{ key: 'junk', value: '{not json' }],
  });
  await waitFor('malformed letter', () => letters.some((l) => l.kind === 'malformed'), 10_000);
  const letter = letters.find((l) => l.kind === 'malformed')!;
  expect(Buffer.from(letter.raw!, 'base64').toString()).toBe('{not json');
});

it('paces a recipient by its rate-limit policy, deferring instead of dropping', async () => {
  const jobs = [1, 2, 3].map((i) => ({
    ...job(`paced-${i}`, '/ok-paced', { tenant: 'paced-tenant' }),
    recipient: { ref: 'paced', address: `${base}/ok-paced` },
  }));
  for (const j of jobs) await publish(j);
  await waitFor('all three sent', () => jobs.every((j) => statesOf(j).includes('sent:1')), 20_000);
  const times = hits
    .filter((h) => h.path === '/ok-paced')
    .map((h) => h.at)
    .sort((a, b) => a - b);
  expect(times).toHaveLength(3);
  expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(900);
  expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(900);
  expect(
    statuses().some(
      (s) => s.data.state === 'deferred' && /rate limit paced/.test(s.data.reason ?? ''),
    ),
  ).toBe(true);
}, 30_000);

it('opens the circuit for a failing endpoint and defers its jobs instead of failing them', async () => {
  // Another host name for the same receiver: its own breaker.
  const host = base.replace('127.0.0.1', 'localhost');
  const jobs = Array.from({ length: 8 }, (_, i) => ({
    ...job(`breaker-${i}`, `/breaker/${i}`),
    recipient: { ref: 'breaker', address: `${host}/breaker/${i}` },
  }));
  for (const j of jobs) await publish(j);
  await waitFor(
    'deferrals',
    () =>
      statuses().some(
        (s) => s.data.state === 'deferred' && /circuit open/.test(s.data.reason ?? ''),
      ),
    20_000,
  );
  const snapshot = worker.breakers().find((b) => b.endpoint === `webhook:${new URL(host).host}`)!;
  expect(snapshot.state).toBe('open');
  // The open breaker held the rest back: four sends, and none dead-lettered for it.
  await new Promise((r) => setTimeout(r, 1_000));
  expect(counters.get('/breaker/4')).toBeUndefined();
  expect(letters.filter((l) => l.job?.recipient.ref === 'breaker')).toEqual([]);
  // The open breaker is published to Redis for `herald status` (other processes).
  const redis = new Redis(stackEnv().REDIS_URL);
  try {
    const key = breakerStateKey(prefix, snapshot.endpoint);
    const fields = await waitFor(
      'the published breaker state',
      async () => {
        const found = await redis.hgetall(key);
        return Object.keys(found).length > 0 ? found : undefined;
      },
      15_000,
    );
    const entries = Object.values(fields).map(
      (v) => JSON.parse(v) as { state: string; channels: string[] },
    );
    expect(entries[0]).toMatchObject({ state: 'open', channels: ['webhook'] });
  } finally {
    redis.disconnect();
  }
}, 45_000);
