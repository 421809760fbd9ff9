/**
 * The in-app path end to end, on real Kafka, Postgres and Redis: task events produced to
 * herald.events are routed by examples/tasks/rules.yaml, rendered by
 * examples/tasks/templates.yaml and stored by the worker's inapp channel in the owner's
 * inbox, one live message per task (collapse key), each append published live; the
 * auditor records `sent` with the inbox seq. A message over the in-app limits is
 * dead-lettered with its reason.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { parse } from 'yaml';
import { buildAuditor, parseAuditorEnv } from '@herald/auditor';
import { silentLogger, topicNames } from '@herald/core';
import { InboxFanout, InboxStore, type InboxNote } from '@herald/inbox';
import { buildRouter, parseRouterEnv } from '@herald/router';
import { createDatabase, TemplateStore, type HeraldDatabase } from '@herald/store';
import { stackEnv, testRun, waitFor } from '@herald/testkit';
import { buildWorker, parseWorkerEnv } from '@herald/worker';
import type { Kysely } from 'kysely';

const run = testRun('e2e-inapp');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
const example = (file: string) =>
  fileURLToPath(new URL(`../../examples/tasks/${file}`, import.meta.url));

let db: Kysely<HeraldDatabase>;
let inbox: InboxStore;
const notes: InboxNote[] = [];

beforeAll(async () => {
  const { url } = await run.database();
  const common = run.settings({
    HERALD_SHUTDOWN_TIMEOUT_MS: '5000',
    HERALD_METRICS_HOST: '127.0.0.1',
    REDIS_URL: stackEnv().REDIS_URL,
  });
  // The auditor first: it migrates the database the worker stores templates and inboxes in.
  await run.start(buildAuditor(parseAuditorEnv(common), silentLogger));
  db = createDatabase({ url, poolSize: 2, logger: silentLogger });
  run.defer(() => db.destroy());
  const file = parse(await readFile(example('templates.yaml'), 'utf8')) as {
    templates: { id: string; channel: 'inapp'; parts: unknown; sample?: unknown }[];
  };
  await new TemplateStore(db).apply(
    {
      templates: file.templates.map((t) => ({
        id: t.id,
        channel: t.channel,
        locale: 'default',
        parts: t.parts,
        sampleData: t.sample,
      })),
    },
    { actor: 'e2e' },
  );
  inbox = new InboxStore(db);

  // A "gateway replica" listening to u-1's inbox before anything is produced.
  const redis = new Redis(stackEnv().REDIS_URL);
  const subscriber = redis.duplicate();
  run.defer(() => {
    redis.disconnect();
    subscriber.disconnect();
  });
  const fanout = new InboxFanout({ publisher: redis, subscriber, keyPrefix: prefix });
  await fanout.subscribe('acme', 'u-1', (note) => notes.push(note));

  await run.start(
    buildWorker(parseWorkerEnv({ ...common, HERALD_WORKER_CHANNELS: 'inapp' }), silentLogger),
  );
  const { DATABASE_URL: _unused, ...routerCommon } = common;
  await run.start(
    buildRouter(
      parseRouterEnv({ ...routerCommon, HERALD_RULES_FILE: example('rules.yaml') }),
      silentLogger,
    ),
  );
}, 120_000);

afterAll(() => run.stop(), 60_000);

const task = (id: string, type: string, data: Record<string, unknown>) => ({
  key: String(data.userId),
  value: JSON.stringify({
    specversion: '1.0',
    id,
    source: 'jobs/runner',
    type,
    time: '2026-11-22T10:00:00Z',
    tenantid: 'acme',
    data,
  }),
});

it('stores task events in the owner’s inbox, one live message per task, and audits them', async () => {
  const producer = kafka.producer();
  await producer.connect();
  const t1 = { taskId: 't-1', userId: 'u-1', name: 'Nightly export' };
  // One record per send: the router sees them in this order, and so does the worker
  // (jobs are keyed by recipient).
  for (const message of [
    task('ev-1', 'task.created', t1),
    task('ev-2', 'task.progress', { ...t1, percent: 40, message: 'Copying files (3 of 8)' }),
    task('ev-3', 'task.progress', { ...t1, percent: 80, message: 'Copying files (7 of 8)' }),
    task('ev-4', 'task.completed', t1),
    // Over the in-app body limit: refused by the template check, dead-lettered.
    task('ev-5', 'task.failed', {
      taskId: 't-2',
      userId: 'u-2',
      name: 'Import',
      error: 'x'.repeat(10_001),
    }),
  ])
    await producer.send({ topic: topics.events, messages: [message] });
  await producer.disconnect();

  await waitFor(
    'four appends for u-1',
    async () => (await inbox.latestSeq('acme', 'u-1')) === 4,
    60_000,
  );
  const feed = await inbox.listFeed('acme', 'u-1');
  expect(feed.messages).toHaveLength(1);
  expect(feed.messages[0]).toMatchObject({
    seq: 4,
    title: 'Nightly export completed',
    body: 'Done.',
    category: 'tasks',
    tags: ['tasks', 'completed'],
    collapseKey: 'task-t-1',
    replacesSeq: 3,
    data: { taskId: 't-1', state: 'completed', percent: '100' },
  });
  // A client that saw the first progress update (seq 2) resumes with the final one only.
  expect((await inbox.readAfter('acme', 'u-1', 2)).messages.map((m) => m.seq)).toEqual([4]);
  expect(await inbox.counts('acme', 'u-1')).toEqual({ unread: 1, unseen: 1, total: 1 });

  // Live: every append reached the listening replica, in order, with the message inline.
  await waitFor('four live notes', () => notes.length >= 4, 30_000);
  expect(notes.map((n) => [n.kind, n.seq, n.message?.title])).toEqual([
    ['message', 1, 'Nightly export started'],
    ['message', 2, 'Nightly export: 40%'],
    ['message', 3, 'Nightly export: 80%'],
    ['message', 4, 'Nightly export completed'],
  ]);

  // The audit: four `sent` with provider inapp and the seq, one dead letter with its reason.
  const rows = await waitFor(
    'five audited notifications in their final state',
    async () => {
      const { rows: found } = await sql<{
        event_id: string;
        state: string;
        provider_name: string | null;
        provider_message_id: string | null;
        reason: string | null;
      }>`select event_id, state, provider_name, provider_message_id, reason
         from notifications where channel = 'inapp' order by event_id`.execute(db);
      const done = found.filter((r) => r.state === 'sent' || r.state === 'dead_lettered');
      return done.length === 5 ? found : undefined;
    },
    60_000,
  );
  expect(rows.map((r) => [r.event_id, r.state, r.provider_name, r.provider_message_id])).toEqual([
    ['ev-1', 'sent', 'inapp', '1'],
    ['ev-2', 'sent', 'inapp', '2'],
    ['ev-3', 'sent', 'inapp', '3'],
    ['ev-4', 'sent', 'inapp', '4'],
    ['ev-5', 'dead_lettered', null, null],
  ]);
  expect(rows[4]!.reason).toMatch(/HERALD_ERR_TEMPLATE_LIMIT.*in-app body/);
  expect(await inbox.latestSeq('acme', 'u-2')).toBe(0);
});
