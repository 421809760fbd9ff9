/**
 * The first end-to-end path, on real Kafka and Postgres: events are produced to
 * herald.events, the router plans webhook jobs from a YAML rule, the worker POSTs
 * them signed (Standard Webhooks) to a local receiver, and the auditor writes every
 * status event to the partitioned audit table.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { buildAuditor, parseAuditorEnv } from '@herald/auditor';
import { silentLogger, topicNames, type StatusEvent } from '@herald/core';
import { buildRouter, parseRouterEnv, type Router } from '@herald/router';
import {
  readTopics,
  stackEnv,
  startReceiver,
  testRun,
  waitFor,
  type Receiver,
  type TestDatabase,
} from '@herald/testkit';
import { buildWorker, parseWorkerEnv } from '@herald/worker';

const run = testRun('e2e');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
const secret = `whsec_${randomBytes(32).toString('base64')}`;

let receiver: Receiver;
let testDb: TestDatabase;
let router: Router;

beforeAll(async () => {
  receiver = await startReceiver();
  run.defer(() => receiver.close());
  testDb = await run.database();
  const dir = await mkdtemp(join(tmpdir(), 'herald-e2e-'));
  run.defer(() => rm(dir, { recursive: true, force: true }));
  const rulesFile = join(dir, 'rules.yaml');
  await writeFile(
    rulesFile,
    [
      'rules:',
      '  - id: big-orders',
      '    name: Big orders go to the fulfilment webhook',
      '    when: event.type == "order.shipped" && event.data.total > 100',
      '    channels:',
      '      - type: webhook',
      `        url: ${receiver.url}/hooks/orders`,
      '        secretRef: default',
      // One endpoint, two orderings: per recipient (the default) and none.
      '  - id: bulk-in-order',
      '    when: event.type == "bulk.ordered"',
      '    channels:',
      '      - type: webhook',
      `        url: ${receiver.url}/hooks/ordered`,
      '  - id: bulk-any-order',
      '    when: event.type == "bulk.unordered"',
      '    channels:',
      '      - type: webhook',
      `        url: ${receiver.url}/hooks/unordered`,
      '        ordering: none',
      '',
    ].join('\n'),
  );
  // Three ops servers in one process, each on a free port (run.settings). The auditor and
  // the worker get the database (the worker reads templates and rate-limit policies).
  const common = run.settings({
    HERALD_TOPIC_PARTITIONS: '2',
    HERALD_SHUTDOWN_TIMEOUT_MS: '5000',
    HERALD_METRICS_HOST: '127.0.0.1',
    // Event dedupe (router) and idempotency marks (worker).
    REDIS_URL: stackEnv().REDIS_URL,
  });
  // The router reads its rules from the file and needs no database here.
  const { DATABASE_URL: _unused, ...routerCommon } = common;
  // Three apps built in-process exactly as their main.ts builds them, from settings; the
  // auditor first, since it migrates the database.
  await run.start(buildAuditor(parseAuditorEnv(common), silentLogger));
  await run.start(
    buildWorker(
      parseWorkerEnv({
        ...common,
        HERALD_WEBHOOK_SECRETS: JSON.stringify({ default: secret }),
        HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      }),
      silentLogger,
    ),
  );
  router = await run.start(
    buildRouter(
      parseRouterEnv({
        ...routerCommon,
        HERALD_RULES_FILE: rulesFile,
        HERALD_EVENT_DEDUPE_WINDOW_MS: '60000',
      }),
      silentLogger,
    ),
  );
});

afterAll(() => run.stop());

it('routes, signs, delivers and audits events; rejects a malformed one with its reason', async () => {
  const producer = kafka.producer();
  await producer.connect();
  const event = (id: string, total: number) => ({
    specversion: '1.0',
    id,
    source: 'shop/orders',
    type: 'order.shipped',
    time: '2026-11-22T10:00:00Z',
    tenantid: 'acme',
    data: { orderId: id, total },
  });
  await producer.send({
    topic: topics.events,
    messages: [
      { key: 'o-1', value: JSON.stringify(event('evt-structured', 250)) },
      { key: 'o-2', value: JSON.stringify(event('evt-small', 50)) },
      { key: 'o-3', value: '{"specversion":"1.0","id":"evt-broken"' },
      {
        key: 'o-4',
        value: JSON.stringify({ orderId: 'evt-binary', total: 999 }),
        headers: {
          ce_specversion: '1.0',
          ce_id: 'evt-binary',
          ce_source: 'shop/orders',
          ce_type: 'order.shipped',
          ce_tenantid: 'acme',
          'content-type': 'application/json',
        },
      },
    ],
  });
  await producer.disconnect();

  // Two matching events (structured and binary mode) reach the receiver, signed.
  await waitFor('two webhook deliveries', () => receiver.requests.length >= 2, 45_000);
  const verifier = new Webhook(secret);
  const bodies = receiver.requests.map((request) => {
    expect(request.path).toBe('/hooks/orders');
    const payload = verifier.verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    }) as { orderId: string; total: number };
    return payload;
  });
  expect(bodies.map((b) => b.orderId).sort()).toEqual(['evt-binary', 'evt-structured']);

  // The router's ops server: ready, and its counters saw what happened.
  expect((await fetch(`${router.opsUrl()!}/readyz`)).status).toBe(200);
  const scrape = await (await fetch(`${router.opsUrl()!}/metrics`)).text();
  expect(scrape).toMatch(/^herald_jobs_planned_total\{[^}]*channel="webhook"[^}]*\} 2$/m);
  expect(scrape).toMatch(
    /^herald_events_rejected_total\{[^}]*reason="HERALD_ERR_EVENT_UNDECODABLE"[^}]*\} 1$/m,
  );

  // The malformed event is on the rejected topic with the reason.
  const rejectedConsumer = kafka.consumer({ groupId: `${prefix}e2e-rejected` });
  run.defer(() => rejectedConsumer.disconnect());
  await rejectedConsumer.connect();
  await rejectedConsumer.subscribe({ topic: topics.rejected, fromBeginning: true });
  const rejected: { value: string; reason: string; code: string }[] = [];
  await rejectedConsumer.run({
    eachMessage: async ({ message }) => {
      rejected.push({
        value: message.value?.toString() ?? '',
        reason: message.headers?.['herald-reject-reason']?.toString() ?? '',
        code: message.headers?.['herald-reject-code']?.toString() ?? '',
      });
    },
  });
  await waitFor('the rejected event', () => rejected.length >= 1, 30_000);
  expect(rejected).toHaveLength(1);
  expect(rejected[0]!.value).toBe('{"specversion":"1.0","id":"evt-broken"');
  expect(rejected[0]!.code).toBe('HERALD_ERR_EVENT_UNDECODABLE');
  expect(rejected[0]!.reason).toMatch(/not valid JSON/);

  // The audit table holds queued and sent for both notifications (no `sending`: the
  // worker publishes it only with HERALD_WORKER_SENDING_STATUS=true), and their ids are
  // the webhook-id the receiver saw.
  const db = new Kysely<{
    status_events: {
      notification_id: string;
      state: string;
      event_id: string;
      channel: string;
      tenant: string;
      provider_status: number | null;
    };
  }>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: testDb.url, max: 2 }) }),
  });
  try {
    const rows = await waitFor(
      'four audit rows',
      async () => {
        const found = await db
          .selectFrom('status_events')
          .selectAll()
          .orderBy('event_id')
          .orderBy('state')
          .execute();
        return found.length >= 4 ? found : undefined;
      },
      30_000,
    );
    expect(rows.map((r) => [r.event_id, r.state])).toEqual([
      ['evt-binary', 'queued'],
      ['evt-binary', 'sent'],
      ['evt-structured', 'queued'],
      ['evt-structured', 'sent'],
    ]);
    expect(rows.every((r) => r.tenant === 'acme' && r.channel === 'webhook')).toBe(true);
    expect(rows.filter((r) => r.state === 'sent').every((r) => r.provider_status === 204)).toBe(
      true,
    );
    const webhookIds = receiver.requests.map((r) => String(r.headers['webhook-id'])).sort();
    expect([...new Set(rows.map((r) => r.notification_id))].sort()).toEqual(webhookIds);
    const { rows: parts } = await sql<{
      name: string;
    }>`select tableoid::regclass::text as name from status_events limit 1`.execute(db);
    expect(parts[0]!.name).toBe('status_events_y2026m11');

    // Every status on herald.status, the router's and the worker's, matches
    // docs/schemas/status-event.schema.json and decodes through the CloudEvents SDK's
    // Kafka binding (readTopics checks each), and the notifications projection holds
    // one row per notification in its last state.
    const statusReader = await readTopics<StatusEvent>(kafka, {
      groupId: `${prefix}e2e-status`,
      topics: [topics.status],
    });
    try {
      await waitFor('four status events', () => statusReader.statuses.length >= 4, 30_000);
      expect(statusReader.statuses.map((s) => s.type.split('.').pop()).sort()).toEqual([
        'queued',
        'queued',
        'sent',
        'sent',
      ]);
      // Each attempt starts when the worker began it (the `sent`'s attemptStartedAt), not
      // when it ended: the projection reads the start from the outcome.
      const { rows: attempts } = await sql<{
        notification_id: string;
        started_at: Date;
        finished_at: Date;
      }>`select notification_id, started_at, finished_at from delivery_attempts`.execute(db);
      expect(attempts).toHaveLength(2);
      for (const a of attempts) {
        const sent = statusReader.statuses.find(
          (s) => s.subject === a.notification_id && s.data.state === 'sent',
        )!;
        expect(a.started_at.toISOString()).toBe(sent.data.attemptStartedAt);
        expect(a.finished_at.toISOString()).toBe(sent.data.occurredAt);
        expect(a.started_at.getTime()).toBeLessThanOrEqual(a.finished_at.getTime());
      }
    } finally {
      await statusReader.stop();
    }
    const { rows: notifications } = await sql<{
      state: string;
    }>`select state from notifications order by notification_id`.execute(db);
    expect(notifications.map((n) => n.state)).toEqual(['sent', 'sent']);
  } finally {
    await db.destroy();
  }
});

it('sends one recipient’s jobs one at a time, unless the rule relaxes ordering', async () => {
  // Each answer takes 300 ms, so jobs sent concurrently overlap at the receiver.
  receiver.respondWith(204, {}, '', 300);
  const producer = kafka.producer();
  await producer.connect();
  const bulk = (type: string, i: number) => ({
    key: `k-${i}`,
    value: JSON.stringify({
      specversion: '1.0',
      id: `${type}-${i}`,
      source: 'shop/bulk',
      type,
      data: { i },
    }),
  });
  await producer.send({
    topic: topics.events,
    messages: [0, 1, 2, 3, 4, 5].flatMap((i) => [
      bulk('bulk.ordered', i),
      bulk('bulk.unordered', i),
    ]),
  });
  await producer.disconnect();
  const count = (path: string) => receiver.requests.filter((r) => r.path === path).length;
  await waitFor(
    '12 bulk deliveries',
    () => count('/hooks/ordered') === 6 && count('/hooks/unordered') === 6,
    45_000,
  );
  receiver.respondWith(204);
  expect(receiver.maxInFlight('/hooks/ordered')).toBe(1);
  // In order: each request arrives only after the previous one was answered.
  const ordered = receiver.requests.filter((r) => r.path === '/hooks/ordered');
  for (let i = 1; i < ordered.length; i++)
    expect(ordered[i]!.receivedAt - ordered[i - 1]!.receivedAt).toBeGreaterThanOrEqual(290);
  expect(receiver.maxInFlight('/hooks/unordered')).toBeGreaterThan(1);
});
