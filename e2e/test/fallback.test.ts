/**
 * Channel fallback from a rules file, end to end on the real stack (issue 16, item 3):
 * the router plans an SMS with its webhook fallback (address included), the worker
 * sends the SMS to a local Twilio-protocol server that refuses it (400: permanent),
 * dead-letters it and produces the planned webhook job with the dead letter; the
 * webhook is delivered, and the auditor records both notifications, linked.
 */
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { buildAuditor, parseAuditorEnv } from '@herald/auditor';
import { silentLogger, topicNames, type StatusEvent } from '@herald/core';
import { buildRouter, parseRouterEnv } from '@herald/router';
import { createDatabase, migrateToLatest, TemplateStore } from '@herald/store';
import {
  readTopics,
  stackEnv,
  startReceiver,
  testRun,
  waitFor,
  type Receiver,
  type TopicReader,
} from '@herald/testkit';
import { buildWorker, parseWorkerEnv } from '@herald/worker';

const run = testRun('e2e-fallback');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
const SID = 'AC0123456789abcdef0123456789abcdef';
let receiver: Receiver;
let twilio: Server;
let twilioCalls = 0;
let reader: TopicReader<StatusEvent>;
let databaseUrl: string;

beforeAll(async () => {
  receiver = await startReceiver();
  run.defer(() => receiver.close());
  // Twilio's Messages API refusing every message as Twilio does an unroutable number.
  twilio = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      twilioCalls += 1;
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ code: 21211, message: "The 'To' number is not valid.", status: 400 }),
        );
    });
  });
  await new Promise<void>((r) => twilio.listen(0, '127.0.0.1', r));
  run.defer(() => new Promise((r) => twilio.close(r)));
  const { url } = await run.database();
  databaseUrl = url;
  const db = createDatabase({ url, poolSize: 1, logger: silentLogger });
  await migrateToLatest(db);
  await new TemplateStore(db).apply(
    {
      templates: [
        {
          id: 'failed-sms',
          channel: 'sms',
          locale: 'default',
          parts: { text: 'Order {{order}} failed.' },
        },
      ],
    },
    { actor: 'test' },
  );
  await db.destroy();
  const dir = await mkdtemp(join(tmpdir(), 'herald-e2e-fallback-'));
  run.defer(() => rm(dir, { recursive: true, force: true }));
  const rulesFile = join(dir, 'rules.yaml');
  await writeFile(
    rulesFile,
    `rules:
  - id: order-failed
    when: event.type == "order.failed"
    recipients: '[{"id": "ada", "sms": "+4915112345678"}]'
    channels:
      - type: sms
        template: failed-sms
        fallback: [webhook]
      - type: webhook
        url: ${receiver.url}/hooks/fallback
        secretRef: default
`,
  );
  const common = run.settings({
    REDIS_URL: stackEnv().REDIS_URL,
    HERALD_METRICS_HOST: '127.0.0.1',
  });
  await run.start(buildAuditor(parseAuditorEnv(common), silentLogger));
  await run.start(
    buildWorker(
      parseWorkerEnv({
        ...common,
        HERALD_WORKER_CHANNELS: 'sms,webhook',
        HERALD_WEBHOOK_SECRETS: JSON.stringify({
          default: `whsec_${randomBytes(24).toString('base64')}`,
        }),
        HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        HERALD_TWILIO_ACCOUNT_SID: SID,
        HERALD_TWILIO_AUTH_TOKEN: 'token',
        HERALD_TWILIO_FROM: '+15005550006',
        HERALD_TWILIO_API_URL: `http://127.0.0.1:${(twilio.address() as AddressInfo).port}`,
      }),
      silentLogger,
    ),
  );
  await run.start(
    buildRouter(parseRouterEnv({ ...common, HERALD_RULES_FILE: rulesFile }), silentLogger),
  );
  reader = await readTopics<StatusEvent>(kafka, {
    groupId: `${prefix}reader`,
    topics: [topics.status],
  });
  run.defer(() => reader.stop());
}, 120_000);

afterAll(() => run.stop(), 60_000);

it('sends the planned webhook when the SMS is refused for good, and audits both, linked', async () => {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topics.events,
    messages: [
      {
        key: 'o-1',
        value: JSON.stringify({
          specversion: '1.0',
          id: 'evt-failed-1',
          source: 'shop/orders',
          type: 'order.failed',
          tenantid: 'acme',
          data: { order: 'A-1001' },
        }),
      },
    ],
  });
  await producer.disconnect();
  await waitFor('webhook delivered', () => receiver.requests.length === 1, 60_000);
  expect(receiver.requests[0]!.path).toBe('/hooks/fallback');
  expect(JSON.parse(receiver.requests[0]!.body)).toEqual({ order: 'A-1001' });
  expect(twilioCalls).toBe(1);
  const ofEvent = (state: string, channel: string) =>
    reader.statuses.find(
      (s) =>
        s.data.eventId === 'evt-failed-1' && s.data.state === state && s.data.channel === channel,
    );
  const dead = await waitFor('dead letter status', () => ofEvent('dead_lettered', 'sms'));
  const sent = await waitFor('fallback sent', () => ofEvent('sent', 'webhook'));
  expect(dead.data.fallbackTo).toBe(sent.data.notificationId);
  expect(ofEvent('queued', 'webhook')!.data.fallbackOf).toBe(dead.data.notificationId);
  // The router planned only the SMS: the webhook is a fallback, never sent on its own.
  expect(
    reader.statuses.filter((s) => s.data.state === 'queued' && s.data.channel === 'webhook'),
  ).toHaveLength(1);
  const db = createDatabase({ url: databaseUrl, poolSize: 1, logger: silentLogger });
  try {
    const rows = await waitFor('audited', async () => {
      const { rows } = await sql<{ channel: string; state: string; reason: string | null }>`
        select channel, state, reason from notifications where event_id = 'evt-failed-1'
        order by channel`.execute(db);
      return rows.length === 2 && rows[1]!.state === 'sent' ? rows : undefined;
    });
    expect(rows[0]).toMatchObject({ channel: 'sms', state: 'dead_lettered' });
    expect(rows[0]!.reason).toMatch(/twilio: error 21211/);
    expect(rows[1]).toMatchObject({
      channel: 'webhook',
      state: 'sent',
      reason: `fallback_of: ${dead.data.notificationId}`,
    });
  } finally {
    await db.destroy();
  }
}, 90_000);
