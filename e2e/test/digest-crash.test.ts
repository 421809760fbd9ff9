/**
 * A digest survives SIGKILLs (issue 16): the router and a worker run as processes (their
 * dist/main.js, as in e2e/chaos) while events for digested notifications flow; both are
 * killed mid-window, mid-chunk, and restarted, the worker twice. Every event must end
 * up in exactly one sent digest: none lost, none in two digests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Producer } from 'kafkajs';
import { silentLogger, topicNames, type StatusEvent } from '@herald/core';
import { createDatabase, migrateToLatest, TemplateStore } from '@herald/store';
import { readTopics, stackEnv, testRun, waitFor, type TopicReader } from '@herald/testkit';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = testRun('digest-crash');
const topics = topicNames(run.prefix);
const EVENTS = 300;
const BUCKETS = 5;
/** Accepted digests by webhook-id (one effect per id), and raw repeats of an id. */
const digests = new Map<string, number[]>();
let repeats = 0;
let server: Server;
let dir: string;
let producer: Producer;
let reader: TopicReader<StatusEvent>;
let env: Record<string, string>;
/** Settings only one app reads (the others refuse unknown HERALD_* settings). */
let own: Record<'router' | 'worker', Record<string, string>>;
const procs: Record<string, ChildProcess> = {};

function launch(name: 'router' | 'worker'): void {
  const script = join(root, `apps/${name}/dist/main.js`);
  const out = openSync(join(dir, `${name}.log`), 'a');
  procs[name] = spawn(process.execPath, [script], {
    env: { ...env, ...own[name] },
    stdio: ['ignore', out, out],
  });
}

async function kill(name: 'router' | 'worker'): Promise<void> {
  const child = procs[name]!;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

async function produce(from: number, to: number): Promise<void> {
  const messages = [];
  for (let seq = from; seq < to; seq++)
    messages.push({
      key: `b${seq % BUCKETS}`,
      value: JSON.stringify({
        specversion: '1.0',
        id: `${run.prefix}e${seq}`,
        source: 'e2e',
        type: 'digest.tick',
        tenantid: 'acme',
        data: { seq, bucket: `b${seq % BUCKETS}` },
      }),
    });
  // In small chunks, so the kills land between and inside router chunks.
  for (let i = 0; i < messages.length; i += 10)
    for (;;) {
      try {
        await producer.send({
          topic: topics.events,
          acks: -1,
          messages: messages.slice(i, i + 10),
        });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
}

const digested = () =>
  new Set(reader.statuses.filter((s) => s.data.state === 'digested').map((s) => s.subject)).size;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      if (digests.has(id)) repeats++;
      else digests.set(id, (JSON.parse(body) as { seqs: string[] }).seqs.map(Number));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  run.defer(() => server.close());
  const receiver = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { url } = await run.database();
  const database = createDatabase({ url, poolSize: 2, logger: silentLogger });
  await migrateToLatest(database);
  await new TemplateStore(database).apply(
    {
      templates: [
        {
          id: 'tick-digest',
          channel: 'webhook',
          locale: 'default',
          parts: { body: { count: '{{count}}', seqs: { $each: 'items', $template: '{{seq}}' } } },
        },
      ],
    },
    { actor: 'test' },
  );
  await database.destroy();
  dir = await mkdtemp(join(tmpdir(), 'herald-digest-crash-'));
  run.defer(() => rm(dir, { recursive: true, force: true }));
  const rulesFile = join(dir, 'rules.yaml');
  await writeFile(
    rulesFile,
    `rules:
  - id: ticks
    when: event.type == "digest.tick"
    recipients: '[{"id": event.data.bucket, "webhook": "${receiver}/d/" + event.data.bucket}]'
    channels:
      - type: webhook
        secretRef: default
        digest: { key: event.data.bucket, window: 4s, max: 40, template: tick-digest }
`,
  );
  env = {
    PATH: process.env.PATH ?? '',
    ...run.settings({ HERALD_TOPIC_PARTITIONS: '3' }),
    REDIS_URL: stackEnv().REDIS_URL,
    HERALD_LOG_LEVEL: 'error',
  };
  own = {
    router: { HERALD_RULES_FILE: rulesFile },
    worker: {
      HERALD_WORKER_CHANNELS: 'webhook',
      HERALD_WEBHOOK_SECRETS: JSON.stringify({
        default: `whsec_${randomBytes(24).toString('base64')}`,
      }),
      HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      HERALD_WORKER_DIGEST_INTERVAL_MS: '250',
      HERALD_WORKER_DIGEST_LEASE_MS: '3000',
    },
  };
  run.defer(async () => {
    for (const name of ['router', 'worker'] as const) if (procs[name]) await kill(name);
  });
  launch('router');
  launch('worker');
  producer = run.kafka.producer({ allowAutoTopicCreation: false });
  run.defer(() => producer.disconnect());
  await producer.connect();
  // The router and worker create the topics as they start.
  const admin = run.kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      'topics',
      async () => {
        const names = await admin.listTopics();
        return [topics.status, topics.events, topics.deliveries('webhook')].every((t) =>
          names.includes(t),
        );
      },
      60_000,
    ).catch((err: Error) => {
      const logs = ['router', 'worker'].map((n) => readFileSync(join(dir, `${n}.log`), 'utf8'));
      throw new Error(`${err.message}\n${logs.join('\n').slice(-3000)}`);
    });
  } finally {
    await admin.disconnect();
  }
  await new Promise((r) => setTimeout(r, 2_000)); // leaders elected
  reader = await readTopics<StatusEvent>(run.kafka, {
    groupId: `${run.prefix}reader`,
    topics: [topics.status],
  });
  run.defer(() => reader.stop());
}, 120_000);

afterAll(() => run.stop(), 60_000);

it('loses and duplicates no item when the worker and router are SIGKILLed mid-window', async () => {
  await produce(0, 120);
  await waitFor('some items collected', () => digested() >= 30, 60_000);
  await Promise.all([kill('worker'), kill('router')]);
  await produce(120, 220); // while both are down
  launch('router');
  launch('worker');
  await waitFor('more items collected', () => digested() >= 150, 60_000);
  await kill('worker'); // mid-window again, and possibly mid-flush
  await produce(220, EVENTS);
  launch('worker');
  const seqs = () => [...digests.values()].flat();
  await waitFor('every item sent in a digest', () => new Set(seqs()).size === EVENTS, 90_000);
  await new Promise((r) => setTimeout(r, 5_000)); // a late duplicate would arrive now
  const all = seqs();
  expect(all.length).toBe(EVENTS); // no item in two digests
  expect(new Set(all)).toEqual(new Set(Array.from({ length: EVENTS }, (_, i) => i)));
  // Each digest holds one bucket's items, at most `max` of them, in order.
  for (const items of digests.values()) {
    expect(items.length).toBeLessThanOrEqual(40);
    expect(new Set(items.map((s) => s % BUCKETS)).size).toBe(1);
    expect([...items].sort((a, b) => a - b)).toEqual(items);
  }
  // A digest re-sent under its own id (killed between send and sent mark) is one effect.
  console.log(`digests=${digests.size} items=${all.length} same-id repeats=${repeats}`);
}, 240_000);
