/**
 * A worker process (apps/worker/dist/main.js, through runMain) rides out a Redis that is
 * away: down at start-up (it used to exit 1: "start failed"), then stopped while it runs.
 * The process stays up, /readyz says 503 while Redis is away (naming it, and since when;
 * during start-up retries too, when the app's own ops server is not up yet: the
 * start-up listener answers) and 200 when it is back, and events flow again. The Redis is this test's own (a redis-server on a free port),
 * so the shared stack is never touched; Kafka is the stack's, under a fresh prefix.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger, topicNames } from '@herald/core';
import { buildRouter, parseRouterEnv } from '@herald/router';
import {
  freePort,
  readTopics,
  startReceiver,
  testRun,
  waitFor,
  type Receiver,
  type TopicReader,
} from '@herald/testkit';
import {
  opsProbe,
  ownRedis,
  ridingOutSettings,
  startApp,
  type AppProcess,
  type OwnRedis,
} from './ops-outage-harness.js';

const run = testRun('outage');
const topics = topicNames(run.prefix);
const workerMain = fileURLToPath(new URL('../../apps/worker/dist/main.js', import.meta.url));
let dir: string;
let redisPort: number;
let redis: OwnRedis;
let opsPort: number;
let receiver: Receiver;
let app: AppProcess | undefined;
let reader: TopicReader | undefined;

const startRedis = () => redis.start();
const stopRedis = () => redis.stop();
const probe = (path: 'readyz' | 'healthz') => opsProbe(opsPort, path);
async function readyz(): Promise<number> {
  return (await probe('readyz')).status;
}
async function send(id: string): Promise<void> {
  const producer = run.kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topics.events,
    messages: [
      {
        key: id,
        value: JSON.stringify({
          specversion: '1.0',
          id,
          source: 'outage',
          type: 'o',
          data: { marker: id },
        }),
      },
    ],
  });
  await producer.disconnect();
}
// The webhook body carries the event data, where each event names itself.
const delivered = (id: string) => receiver.requests.some((r) => r.body.includes(`"${id}"`));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'herald-outage-'));
  run.defer(() => rm(dir, { recursive: true, force: true }));
  run.defer(stopRedis);
  [redisPort, opsPort] = [await freePort(), await freePort()];
  redis = ownRedis(dir, redisPort);
  receiver = await startReceiver();
  run.defer(() => receiver.close());
  const rulesFile = join(dir, 'rules.yaml');
  await writeFile(
    rulesFile,
    `rules:\n  - id: o\n    when: event.type == "o"\n    channels: [{ type: webhook, url: "${receiver.url}/o" }]\n`,
  );
  await run.start(
    buildRouter(parseRouterEnv({ ...run.settings(), HERALD_RULES_FILE: rulesFile }), silentLogger),
  );
});

afterAll(() => run.stop());

it('stays up while Redis is away at start-up and while running; /readyz 503 then 200; events flow again', async () => {
  try {
    await outage();
  } catch (err) {
    // The worker's own account of what happened, for whoever reads the failure.
    const seen = reader?.records.map((r) => `${r.topic} ${r.value.toString().slice(0, 300)}`);
    throw new Error(
      `${(err as Error).message}\nrecords: ${JSON.stringify(seen)}\nworker output:\n${app?.output().slice(-4000)}`,
    );
  }
}, 240_000);

async function outage(): Promise<void> {
  reader = await readTopics(run.kafka, {
    groupId: `${run.prefix}reader`,
    topics: [topics.status, topics.rejected, topics.dlq],
  });
  run.defer(() => reader?.stop());
  app = startApp(
    workerMain,
    run.settings({
      HERALD_WORKER_CHANNELS: 'webhook',
      HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      HERALD_WEBHOOK_SECRETS: JSON.stringify({
        default: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
      }),
      REDIS_URL: redis.url,
      ...ridingOutSettings(opsPort),
    }),
    (cleanup) => run.defer(cleanup),
  );
  const worker = app.child;
  const output = app.output;

  // Redis down at start-up: the start is retried, the process stays, and its ops port
  // already answers: alive (/healthz 200), not ready, naming Redis and since when.
  const retryFrom = Date.now();
  await waitFor('a start retry', () => output().includes('retrying'), 30_000);
  expect(worker.exitCode).toBeNull();
  expect(await probe('healthz')).toEqual({ status: 200, body: { status: 'ok' } });
  const starting = await probe('readyz');
  expect(starting).toMatchObject({
    status: 503,
    body: {
      status: 'unavailable',
      checks: { redis: { ok: false, error: expect.stringContaining(`${redisPort}`) } },
    },
  });
  const since = Date.parse(starting.body!.checks.redis!.since!);
  expect(since).toBeGreaterThanOrEqual(retryFrom - 1000);
  expect(since).toBeLessThanOrEqual(Date.now());
  // Asked again during the next attempts: the same "since", the first failure's.
  await new Promise((r) => setTimeout(r, 1_500));
  expect((await probe('readyz')).body!.checks.redis!.since).toBe(
    starting.body!.checks.redis!.since,
  );
  startRedis();
  await waitFor('/readyz 200 once Redis is up', async () => (await readyz()) === 200, 60_000);
  await send('e1');
  await waitFor('e1 delivered', () => delivered('e1'), 30_000);

  // Redis stopped while running: not ready, still up; back: ready, and the event sent meanwhile arrives.
  stopRedis();
  await waitFor('/readyz 503 while Redis is away', async () => (await readyz()) === 503, 30_000);
  const away = await probe('readyz');
  expect(away.body!.checks.redis).toEqual({
    ok: false,
    error: expect.any(String),
    since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  });
  expect(away.body!.since).toBe(away.body!.checks.redis!.since);
  expect((await probe('healthz')).status).toBe(200);
  await send('e2');
  await new Promise((r) => setTimeout(r, 2_000));
  expect(worker.exitCode).toBeNull();
  startRedis();
  await waitFor('/readyz 200 again', async () => (await readyz()) === 200, 60_000);
  await waitFor('e2 delivered after Redis came back', () => delivered('e2'), 60_000);
  expect(worker.exitCode).toBeNull();

  expect(await app.terminate()).toBe(0);
}
