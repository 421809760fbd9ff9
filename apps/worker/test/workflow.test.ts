/**
 * Digests and cancellation in the worker (issue 16) against the real Kafka, Redis and
 * Postgres: a digest window closes on time (injected clock) and by max, each collected
 * job says which digest it went into, and a cancel racing a due delayed job has exactly
 * one winner, send or cancel, over many jobs.
 */
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Producer } from 'kafkajs';
import {
  deterministicId,
  encodeDeliveryJob,
  silentLogger,
  topicNames,
  type DeliveryJob,
  type StatusEvent,
} from '@herald/core';
import { CancelStore, createDatabase, migrateToLatest, TemplateStore } from '@herald/store';
import { buildWorker, parseWorkerEnv } from '@herald/worker';
import {
  deleteStackRedisKeys,
  readTopics,
  stackEnv,
  testRun,
  type TopicReader,
  waitFor,
} from '@herald/testkit';

const run = testRun('worker-flow');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
/** Requests the webhook endpoint received: path, notification id, JSON body. */
const hits: { path: string; id: string; body: unknown }[] = [];
let server: Server;
let base: string;
let producer: Producer;
let reader: TopicReader<StatusEvent>;
let cancels: CancelStore;
// The worker's clock: real time plus an offset the test moves (digest windows).
let offsetMs = 0;
const now = () => new Date(Date.now() + offsetMs);

function job(id: string, path: string, extra: Partial<DeliveryJob> = {}): DeliveryJob {
  return {
    notificationId: deterministicId(prefix, id),
    event: { id: `e-${id}`, source: 'test', type: 'comment.created', time: now().toISOString() },
    tenant: 'acme',
    rule: { id: 'r', version: 1 },
    channel: 'webhook',
    recipient: { ref: `rcpt-${path}`, address: `${base}${path}` },
    priority: 'normal',
    attempt: 1,
    payload: { n: id },
    plannedAt: now().toISOString(),
    ...extra,
  };
}

async function publish(jobs: readonly DeliveryJob[]) {
  await producer.send({
    topic: topics.deliveries('webhook'),
    messages: jobs.map((j) => ({ key: j.recipient.ref, value: encodeDeliveryJob(j) })),
  });
}

const statusesOf = (id: string) => reader.statuses.filter((s) => s.subject === id);
const stateOf = (id: string, state: string) => statusesOf(id).find((s) => s.data.state === state);

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      hits.push({
        path: req.url ?? '/',
        id: String(req.headers['webhook-id']),
        body: JSON.parse(body) as unknown,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  run.defer(() => server.close());
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  run.defer(() => deleteStackRedisKeys(prefix));
  const { url } = await run.database();
  const database = createDatabase({ url, poolSize: 4, logger: silentLogger });
  run.defer(() => database.destroy());
  await migrateToLatest(database);
  cancels = new CancelStore(database);
  await new TemplateStore(database).apply(
    {
      templates: [
        {
          id: 'digest',
          channel: 'webhook',
          locale: 'default',
          parts: {
            body: {
              count: '{{count}}',
              text: '{{#each items}}{{n}};{{/each}}',
              first: '{{first.n}}',
              last: '{{last.n}}',
            },
          },
        },
      ],
    },
    { actor: 'test' },
  );
  const env = parseWorkerEnv({
    ...run.settings(),
    REDIS_URL: stackEnv().REDIS_URL,
    HERALD_WEBHOOK_SECRETS: JSON.stringify({
      default: `whsec_${randomBytes(24).toString('base64')}`,
    }),
    HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_WORKER_DIGEST_INTERVAL_MS: '200',
    HERALD_WORKER_CONCURRENCY: '16',
  });
  await run.start(buildWorker(env, silentLogger, { now }));
  producer = kafka.producer();
  run.defer(() => producer.disconnect());
  await producer.connect();
  reader = await readTopics<StatusEvent>(kafka, {
    groupId: `${prefix}reader`,
    topics: [topics.status],
  });
  run.defer(() => reader.stop());
}, 120_000);

afterAll(() => run.stop(), 60_000);

it('collects jobs until the window closes on the clock, then sends one message over all of them', async () => {
  const digest = { key: 'post-1', template: 'digest', windowMs: 600_000 };
  const jobs = [1, 2, 3, 4, 5].map((n) => job(`w${n}`, '/window', { digest }));
  await publish(jobs);
  await waitFor('digested', () => jobs.every((j) => stateOf(j.notificationId, 'digested')), 30_000);
  const digestIds = new Set(jobs.map((j) => stateOf(j.notificationId, 'digested')!.data.digestId));
  expect(digestIds.size).toBe(1);
  const [digestId] = [...digestIds] as [string];
  // Not before the window: a few flusher rounds go by without a send.
  await new Promise((r) => setTimeout(r, 1_000));
  expect(hits.filter((h) => h.path === '/window')).toEqual([]);
  offsetMs += 600_000;
  await waitFor('digest sent', () => stateOf(digestId, 'sent'), 30_000);
  expect(hits.filter((h) => h.path === '/window')).toEqual([
    {
      path: '/window',
      id: digestId,
      body: { count: '5', text: 'w1;w2;w3;w4;w5;', first: 'w1', last: 'w5' },
    },
  ]);
  expect(stateOf(digestId, 'queued')!.data).toMatchObject({
    eventType: 'herald.digest',
    recipientRef: 'rcpt-/window',
  });
  // None of the collected jobs was sent on its own.
  for (const j of jobs) expect(stateOf(j.notificationId, 'sent')).toBeUndefined();
}, 60_000);

it('closes a digest at max items without waiting for the window', async () => {
  const digest = { key: 'post-2', template: 'digest', windowMs: 3_600_000, max: 3 };
  const jobs = [1, 2, 3, 4].map((n) => job(`m${n}`, '/max', { digest }));
  await publish(jobs);
  await waitFor('first digest sent', () => hits.some((h) => h.path === '/max'), 30_000);
  await waitFor('digested', () => jobs.every((j) => stateOf(j.notificationId, 'digested')), 30_000);
  expect(hits.filter((h) => h.path === '/max').map((h) => h.body)).toEqual([
    { count: '3', text: 'm1;m2;m3;', first: 'm1', last: 'm3' },
  ]);
  const ids = jobs.map((j) => stateOf(j.notificationId, 'digested')!.data.digestId);
  expect(ids[0]).toBe(ids[2]);
  expect(ids[3]).not.toBe(ids[0]); // the fourth opened the next digest
}, 60_000);

it('a cancel racing a due delayed job: exactly one of send or cancel wins, every time', async () => {
  // Per round: a third cancelled well before the jobs are due (cancel must win), a third
  // once they were sent (send must win, the late cancel changes nothing), and a third
  // around the moment they come due (either, never both).
  const rounds = 3;
  const perRound = 30;
  const all: DeliveryJob[] = [];
  const expected = new Map<string, 'cancelled' | 'sent' | 'either'>();
  const cancel = (j: DeliveryJob) =>
    cancels.mark('acme', j.cancelKey!, `evt-cancel-${j.cancelKey}`, now());
  const sentStatus = (j: DeliveryJob) => stateOf(j.notificationId, 'sent');
  for (let round = 0; round < rounds; round++) {
    const dueAt = Date.now() + offsetMs + 1_500;
    const jobs = Array.from({ length: perRound }, (_, i) =>
      job(`c${round}-${i}`, `/race/${round}/${i}`, {
        cancelKey: `cart-${round}-${i}`,
        notBefore: new Date(dueAt).toISOString(),
      }),
    );
    all.push(...jobs);
    const group = (i: number) => (['cancelled', 'sent', 'either'] as const)[i % 3]!;
    jobs.forEach((j, i) => expected.set(j.notificationId, group(i)));
    await publish(jobs);
    await Promise.all(jobs.filter((_, i) => group(i) === 'cancelled').map(cancel));
    await new Promise((r) => setTimeout(r, Math.max(0, dueAt - (Date.now() + offsetMs) - 300)));
    await Promise.all(
      jobs.map(async (j, i) => {
        if (group(i) === 'either') {
          await new Promise((r) => setTimeout(r, (i % 10) * 60));
          await cancel(j);
        } else if (group(i) === 'sent') {
          await waitFor('sent before its cancel', () => sentStatus(j), 60_000);
          await cancel(j);
        }
      }),
    );
  }
  const outcome = (j: DeliveryJob) =>
    statusesOf(j.notificationId)
      .map((s) => s.data.state)
      .filter((s) => s === 'sent' || s === 'cancelled');
  await waitFor('every job decided', () => all.every((j) => outcome(j).length > 0), 60_000);
  await new Promise((r) => setTimeout(r, 1_000)); // anything late would show now
  for (const j of all) {
    const states = outcome(j);
    expect(states).toHaveLength(1);
    const want = expected.get(j.notificationId)!;
    if (want !== 'either') expect(states).toEqual([want]);
    const received = hits.filter((h) => h.id === j.notificationId).length;
    if (states[0] === 'sent') {
      expect(received).toBe(1);
    } else {
      expect(received).toBe(0);
      expect(stateOf(j.notificationId, 'cancelled')!.data.cancelEventId).toBe(
        `evt-cancel-${j.cancelKey}`,
      );
    }
  }
}, 180_000);
