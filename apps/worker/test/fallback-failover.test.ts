/**
 * Channel fallback and provider failover against the real stack (issue 16, items 3
 * and 4): a webhook refused with 400 is dead-lettered and its planned SMS fallback goes
 * out through Twilio; a sent webhook whose receipt does not come within `after` falls
 * back (and does not when the audit says it was delivered), on an injected clock; the
 * SMS channel fails over from Twilio to Vonage when Twilio answers 503 and its breaker
 * opens, and moves back once the breaker closes. Local servers speak each provider's API.
 */
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Producer } from 'kafkajs';
import {
  deterministicId,
  encodeDeliveryJob,
  silentLogger,
  statusEventFor,
  topicNames,
  type DeliveryJob,
  type StatusEvent,
} from '@herald/core';
import {
  AuditQueries,
  AuditStore,
  createDatabase,
  migrateToLatest,
  TemplateStore,
} from '@herald/store';
import { buildWorker, parseWorkerEnv } from '@herald/worker';
import { readTopics, stackEnv, testRun, waitFor, type TopicReader } from '@herald/testkit';
import { startTwilio, startVonage, type LocalServer } from './servers/provider-fakes.js';

const run = testRun('worker-fallback');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
const SID = 'AC0123456789abcdef0123456789abcdef';
const OPEN_MS = 60_000;
let offsetMs = 0;
/** The worker's clock: real time moved forward by the test. */
const now = () => new Date(Date.now() + offsetMs);
let webhook: Server;
let base: string;
let twilio: LocalServer & { readonly failed: readonly unknown[] };
let vonage: LocalServer;
let producer: Producer;
let reader: TopicReader<StatusEvent>;
let audit: AuditStore;
let queries: AuditQueries;
let phone = 4915112340000;

const statusesOf = (id: string) => reader.statuses.filter((s) => s.subject === id);
const stateOf = (id: string, state: string) => statusesOf(id).find((s) => s.data.state === state);

function webhookJob(id: string, path: string, extra: Partial<DeliveryJob> = {}): DeliveryJob {
  return {
    notificationId: deterministicId(prefix, id),
    event: { id: `e-${id}`, source: 'test', type: 'order.failed', time: now().toISOString() },
    tenant: 'acme',
    rule: { id: 'r', version: 1 },
    channel: 'webhook',
    recipient: { ref: `rcpt-${id}`, address: `${base}${path}` },
    priority: 'normal',
    attempt: 1,
    payload: { order: 'A-1001' },
    plannedAt: now().toISOString(),
    ...extra,
  };
}

/** The SMS step a router plans for a webhook job's `fallback: [sms]`. */
function smsStep(id: string) {
  return {
    channel: 'sms' as const,
    notificationId: deterministicId(prefix, id, 'sms'),
    recipient: { ref: `rcpt-${id}`, address: `+${(phone += 1)}` },
    template: { ref: 'order-failed' },
  };
}

function smsJob(id: string): DeliveryJob {
  const step = smsStep(id);
  return {
    ...webhookJob(id, '/ok'),
    notificationId: step.notificationId,
    channel: 'sms',
    recipient: step.recipient,
    template: step.template,
  };
}

async function publish(j: DeliveryJob) {
  await producer.send({
    topic: topics.deliveries(j.channel),
    messages: [{ key: j.recipient.ref, value: encodeDeliveryJob(j) }],
  });
}

beforeAll(async () => {
  webhook = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(req.url?.startsWith('/refuse') ? 400 : 204).end());
  });
  await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
  run.defer(() => new Promise((r) => webhook.close(r)));
  base = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}`;
  twilio = await startTwilio(SID, 'twilio-token');
  run.defer(() => twilio.close());
  vonage = await startVonage('vonage-key', 'vonage-secret');
  run.defer(() => vonage.close());
  const { url } = await run.database();
  const database = createDatabase({ url, poolSize: 2, logger: silentLogger });
  run.defer(() => database.destroy());
  await migrateToLatest(database);
  audit = new AuditStore(database);
  queries = new AuditQueries(database);
  await new TemplateStore(database).apply(
    {
      templates: [
        {
          id: 'order-failed',
          channel: 'sms',
          locale: 'default',
          parts: { text: 'Order {{order}} failed.' },
        },
      ],
    },
    { actor: 'test' },
  );
  const env = parseWorkerEnv({
    ...run.settings(),
    REDIS_URL: stackEnv().REDIS_URL,
    HERALD_WORKER_CHANNELS: 'webhook,sms',
    HERALD_WEBHOOK_SECRETS: JSON.stringify({
      default: `whsec_${randomBytes(24).toString('base64')}`,
    }),
    HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_SMS_PROVIDERS: 'twilio,vonage',
    HERALD_TWILIO_ACCOUNT_SID: SID,
    HERALD_TWILIO_AUTH_TOKEN: 'twilio-token',
    HERALD_TWILIO_FROM: '+15005550006',
    HERALD_TWILIO_API_URL: twilio.url,
    HERALD_VONAGE_API_KEY: 'vonage-key',
    HERALD_VONAGE_API_SECRET: 'vonage-secret',
    HERALD_VONAGE_FROM: 'Herald',
    HERALD_VONAGE_API_URL: vonage.url,
    HERALD_WORKER_BREAKER: JSON.stringify({
      minRequests: 2,
      failureRatio: 0.5,
      windowMs: 600_000,
      openMs: OPEN_MS,
      halfOpenProbes: 1,
    }),
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

it('falls back to the planned SMS when the webhook is dead-lettered (400), linking both', async () => {
  const step = smsStep('dlq');
  const primary = webhookJob('dlq', '/refuse', { fallback: { next: [step] } });
  await publish(primary);
  await waitFor('fallback sent', () => stateOf(step.notificationId, 'sent') !== undefined, 30_000);
  const dead = stateOf(primary.notificationId, 'dead_lettered')!;
  expect(dead.data.fallbackTo).toBe(step.notificationId);
  const queued = stateOf(step.notificationId, 'queued')!;
  expect(queued.data).toMatchObject({
    channel: 'sms',
    reason: `fallback_of: ${primary.notificationId}`,
    fallbackOf: primary.notificationId,
  });
  // The audit keeps the link in the fallback's reason, whatever state it reached since.
  await audit.write(statusesOf(step.notificationId).filter((s) => s.data.state === 'queued'));
  const row = await queries.notification(step.notificationId);
  expect(row?.notification.reason).toBe(`fallback_of: ${primary.notificationId}`);
  expect(stateOf(step.notificationId, 'sent')!.data.provider?.name).toBe('twilio');
  const sms = twilio.received.find(
    (r) => new URLSearchParams(r.body).get('To') === step.recipient.address,
  );
  expect(new URLSearchParams(sms!.body).get('Body')).toBe('Order A-1001 failed.');
}, 60_000);

it('falls back when the sent webhook is not delivered within `after`, on the injected clock', async () => {
  const step = smsStep('late');
  const primary = webhookJob('late', '/ok', { fallback: { next: [step], afterMs: 9_000 } });
  await publish(primary);
  await waitFor('waiting', () => stateOf(step.notificationId, 'deferred') !== undefined, 30_000);
  const deferred = stateOf(step.notificationId, 'deferred')!;
  expect(deferred.data).toMatchObject({
    reason: `fallback_wait: ${primary.notificationId}`,
    fallbackOf: primary.notificationId,
  });
  expect(Date.parse(deferred.data.notBefore!) - Date.parse(deferred.data.occurredAt)).toBe(9_000);
  // Not yet due: nothing is sent before the clock moves past `after`.
  await new Promise((r) => setTimeout(r, 2_500));
  expect(stateOf(step.notificationId, 'sent')).toBeUndefined();
  offsetMs += 9_000;
  await waitFor('fallback sent', () => stateOf(step.notificationId, 'sent') !== undefined, 20_000);
}, 60_000);

it('does not fall back when the receipt said delivered within `after`', async () => {
  const step = smsStep('ontime');
  const primary = webhookJob('ontime', '/ok', { fallback: { next: [step], afterMs: 9_000 } });
  await publish(primary);
  await waitFor('waiting', () => stateOf(step.notificationId, 'deferred') !== undefined, 30_000);
  // The receipt, as the auditor records it from the api's `delivered` status.
  await audit.write([
    statusEventFor(primary, 'sent', 'test', now()),
    statusEventFor(primary, 'delivered', 'test', now()),
  ]);
  offsetMs += 9_000;
  await waitFor(
    'not needed',
    () => stateOf(step.notificationId, 'suppressed') !== undefined,
    20_000,
  );
  expect(stateOf(step.notificationId, 'suppressed')!.data).toMatchObject({
    reason: `fallback_not_needed: ${primary.notificationId} was delivered`,
    fallbackOf: primary.notificationId,
  });
  expect(stateOf(step.notificationId, 'sent')).toBeUndefined();
}, 60_000);

it('fails over from Twilio to Vonage on 503s, skips Twilio while its breaker is open, and moves back when it closes', async () => {
  twilio.failWith = 503;
  const failedBefore = twilio.failed.length;
  const first = [smsJob('fo-1'), smsJob('fo-2')];
  for (const j of first) await publish(j);
  for (const j of first)
    await waitFor(
      `${j.notificationId} sent`,
      () => stateOf(j.notificationId, 'sent') !== undefined,
      30_000,
    );
  // Each was tried on Twilio (503, retryable), then sent by Vonage in the same attempt.
  for (const j of first) {
    const sent = stateOf(j.notificationId, 'sent')!;
    expect(sent.data.provider?.name).toBe('vonage');
    expect(sent.data.attempt).toBe(1);
  }
  expect(twilio.failed.length - failedBefore).toBe(2);
  // Two failures out of two: the breaker is open, the next job goes straight to Vonage.
  const skipped = smsJob('fo-3');
  await publish(skipped);
  await waitFor('sent', () => stateOf(skipped.notificationId, 'sent') !== undefined, 30_000);
  expect(stateOf(skipped.notificationId, 'sent')!.data.provider?.name).toBe('vonage');
  expect(twilio.failed.length - failedBefore).toBe(2);
  // Twilio recovers; once the breaker half-opens its probe succeeds and Twilio is first again.
  twilio.failWith = undefined;
  offsetMs += OPEN_MS;
  // One at a time: while the probe is in flight a half-open breaker lets nothing else through.
  const back = [smsJob('fo-4'), smsJob('fo-5')];
  for (const j of back) {
    await publish(j);
    await waitFor('sent', () => stateOf(j.notificationId, 'sent') !== undefined, 30_000);
    expect(stateOf(j.notificationId, 'sent')!.data.provider?.name).toBe('twilio');
  }
  // Every status of these jobs names the provider it used, and the attempt's start.
  for (const j of [...first, skipped, ...back])
    for (const s of statusesOf(j.notificationId))
      if (s.data.state === 'sent') {
        expect(s.data.provider?.name).toMatch(/^(twilio|vonage)$/);
        expect(s.data.attemptStartedAt).toEqual(expect.any(String));
      }
}, 90_000);
