/**
 * The worker serving several channels in one process against the real stack: an email
 * rendered from a template stored in Postgres goes out over SMTP, an SMS through
 * Twilio's API, a job naming a missing template is dead-lettered; then /metrics and
 * /readyz of the ops server, and the traceparent carried to the status outputs.
 */
import type { Producer } from 'kafkajs';
import {
  deterministicId,
  encodeDeliveryJob,
  silentLogger,
  topicNames,
  type DeliveryJob,
  type StatusEvent,
} from '@herald/core';
import { readDeadLetter, type DeadLetter } from '@herald/delivery';
import { createDatabase, migrateToLatest, TemplateStore } from '@herald/store';
import { buildWorker, parseWorkerEnv, type Worker } from '@herald/worker';
import { readTopics, stackEnv, testRun, waitFor } from '@herald/testkit';
import { startSmtp, startTwilio, type LocalServer } from './servers/provider-fakes.js';

const run = testRun('worker-channels');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
const SID = 'AC0123456789abcdef0123456789abcdef';
const statuses: { event: StatusEvent; traceparent?: string }[] = [];
const letters: DeadLetter[] = [];
let smtp: LocalServer;
let twilio: LocalServer;
let worker: Worker;
let producer: Producer;

function job(id: string, extra: Partial<DeliveryJob>): DeliveryJob {
  return {
    notificationId: deterministicId(prefix, id),
    event: { id: `e-${id}`, source: 'test', type: 'order.shipped', time: new Date().toISOString() },
    tenant: 'acme',
    rule: { id: 'r', version: 1 },
    channel: 'email',
    recipient: { ref: `rcpt-${id}`, address: 'ada@example.com' },
    priority: 'normal',
    attempt: 1,
    payload: { name: 'Ada', order: 'A-1001' },
    plannedAt: new Date().toISOString(),
    producedAt: new Date(Date.now() - 1_500).toISOString(),
    ...extra,
  };
}

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

async function publish(j: DeliveryJob) {
  await producer.send({
    topic: topics.deliveries(j.channel),
    messages: [{ key: j.recipient.ref, value: encodeDeliveryJob(j), headers: { traceparent } }],
  });
}

const stateOf = (j: DeliveryJob) =>
  statuses.filter((s) => s.event.subject === j.notificationId).map((s) => s.event.data.state);

beforeAll(async () => {
  smtp = await startSmtp('mailer', 's3cret');
  run.defer(() => smtp.close());
  twilio = await startTwilio(SID, 'twilio-token');
  run.defer(() => twilio.close());
  const { url } = await run.database();
  const database = createDatabase({ url, poolSize: 2, logger: silentLogger });
  await migrateToLatest(database);
  await new TemplateStore(database).apply(
    {
      templates: [
        {
          id: 'order-shipped',
          channel: 'email',
          locale: 'default',
          parts: {
            subject: 'Order {{order}} shipped',
            html: '<p>Hello {{name}}, order <b>{{order}}</b> is on its way.</p>',
          },
        },
        {
          id: 'order-shipped',
          channel: 'sms',
          locale: 'default',
          parts: { text: 'Hi {{name}}, order {{order}} shipped.' },
        },
      ],
    },
    { actor: 'test' },
  );
  await database.destroy();
  const env = parseWorkerEnv({
    ...run.settings(),
    REDIS_URL: stackEnv().REDIS_URL,
    HERALD_METRICS_HOST: '127.0.0.1',
    HERALD_WORKER_CHANNELS: 'email,sms',
    HERALD_EMAIL_PROVIDER: 'smtp',
    HERALD_SMTP_URL: `smtp://mailer:s3cret@127.0.0.1:${new URL(smtp.url).port}`,
    HERALD_EMAIL_FROM: 'Herald <herald@example.com>',
    HERALD_TWILIO_ACCOUNT_SID: SID,
    HERALD_TWILIO_AUTH_TOKEN: 'twilio-token',
    HERALD_TWILIO_FROM: '+15005550006',
    HERALD_TWILIO_API_URL: twilio.url,
  });
  worker = await run.start(buildWorker(env, silentLogger));
  producer = kafka.producer();
  run.defer(() => producer.disconnect());
  await producer.connect();
  // Validates every status (schema, CloudEvents Kafka binding) before onRecord sees it.
  const reader = await readTopics(kafka, {
    groupId: `${prefix}reader`,
    topics: [topics.status, topics.dlq],
    onRecord: (record) => {
      if (record.topic === topics.status)
        statuses.push({
          event: JSON.parse(record.value.toString()) as StatusEvent,
          ...(record.headers.traceparent ? { traceparent: record.headers.traceparent } : {}),
        });
      else
        letters.push(
          readDeadLetter({ ...record, key: record.key === null ? null : Buffer.from(record.key) })
            .letter,
        );
    },
  });
  run.defer(() => reader.stop());
}, 120_000);

afterAll(() => run.stop(), 60_000);

it('is ready once every lane joined, and alive', async () => {
  const ops = worker.ops()!;
  const health = await fetch(`${ops.url}/healthz`);
  expect(health.status).toBe(200);
  await waitFor('ready', async () => (await fetch(`${ops.url}/readyz`)).status === 200, 30_000);
  const report = (await (await fetch(`${ops.url}/readyz`)).json()) as {
    checks: Record<string, { ok: boolean }>;
  };
  expect(Object.keys(report.checks).sort()).toEqual([
    'consumerGroups',
    'kafka',
    'postgres',
    'redis',
  ]);
});

it('sends an email rendered from a stored template over SMTP and an SMS through Twilio', async () => {
  const email = job('mail', { template: { ref: 'order-shipped' } });
  const sms = job('sms', {
    channel: 'sms',
    recipient: { ref: 'rcpt-sms', address: '+15005550010' },
    template: { ref: 'order-shipped' },
  });
  await publish(email);
  await publish(sms);
  await waitFor('sent', () => stateOf(email).includes('sent') && stateOf(sms).includes('sent'));
  expect(smtp.received).toHaveLength(1);
  const raw = smtp.received[0]!.body;
  expect(smtp.received[0]!.path).toBe('ada@example.com');
  expect(raw).toContain('Subject: Order A-1001 shipped');
  expect(raw).toContain('Hello Ada, order <b>A-1001</b> is on its way.');
  expect(twilio.received).toHaveLength(1);
  const form = new URLSearchParams(twilio.received[0]!.body);
  expect(form.get('To')).toBe('+15005550010');
  expect(form.get('Body')).toBe('Hi Ada, order A-1001 shipped.');
  // The status outputs carry the record's trace (tracing off: the incoming traceparent).
  const sent = statuses.find((s) => s.event.subject === email.notificationId)!;
  expect(sent.traceparent).toBe(traceparent);
});

it('dead-letters a job whose template does not exist, without sending', async () => {
  const missing = job('missing', { template: { ref: 'no-such-template' } });
  await publish(missing);
  await waitFor('dead-lettered', () => stateOf(missing).includes('dead_lettered'));
  const letter = letters.find((l) => l.notificationId === missing.notificationId)!;
  expect(letter.kind).toBe('permanent');
  expect(letter.reason).toMatch(/^HERALD_ERR_TEMPLATE_NOT_FOUND/);
  expect(smtp.received.map((r) => r.body).join()).not.toContain('no-such-template');
});

it('counts deliveries, durations and latency on /metrics', async () => {
  const text = await (await fetch(`${worker.ops()!.url}/metrics`)).text();
  // `name{a="1",b="2"}` matches the sample with that name and at least those labels.
  const value = (series: string) => {
    const [, name, want] = /^([^{]+)\{(.*)\}$/.exec(series)!;
    const pairs = (labels: string): string[] => labels.match(/\w+="[^"]*"/g) ?? [];
    const line = text.split('\n').find((l) => {
      const m = /^([^{ ]+)\{(.*)\} /.exec(l);
      if (m === null || m[1] !== name) return false;
      const have = pairs(m[2]!);
      return pairs(want!).every((p) => have.includes(p));
    });
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };
  expect(
    value(
      'herald_deliveries_total{channel="email",provider="smtp",outcome="sent",failure_class="none",app="worker"}',
    ),
  ).toBe(1);
  expect(
    value(
      'herald_deliveries_total{channel="sms",provider="twilio",outcome="sent",failure_class="none",app="worker"}',
    ),
  ).toBe(1);
  expect(
    value(
      'herald_deliveries_total{channel="email",provider="smtp",outcome="dead_lettered",failure_class="invalid_request",app="worker"}',
    ),
  ).toBe(1);
  expect(value('herald_dead_lettered_total{stage="worker",channel="email",app="worker"}')).toBe(1);
  expect(
    value(
      'herald_delivery_duration_seconds_count{channel="email",provider="smtp",outcome="sent",app="worker"}',
    ),
  ).toBe(1);
  // producedAt was 1.5 s before the send: the latency lands above the 1 s bucket.
  expect(value('herald_event_to_delivery_seconds_bucket{le="1",channel="sms",app="worker"}')).toBe(
    0,
  );
  expect(value('herald_event_to_delivery_seconds_count{channel="sms",app="worker"}')).toBe(1);
  expect(value('notifications_delivered_total{channel="email",app="worker"}')).toBe(1);
});

it('dead-letters a job with an invalid address with HERALD_ERR_ADDRESS_INVALID: not sent, not retried (issue 12)', async () => {
  const sentBefore = smtp.received.length;
  // Planned before addresses were checked, or written by something else: the worker checks again.
  const smuggled = job('smuggled', {
    recipient: { ref: 'rcpt-smuggled', address: 'eve@x.test\r\nBcc: victim@x.test' },
    template: { ref: 'order-shipped' },
  });
  const listed = job('listed', {
    channel: 'sms',
    recipient: { ref: 'rcpt-listed', address: '+15005550010, +15005550006' },
    template: { ref: 'order-shipped' },
  });
  await publish(smuggled);
  await publish(listed);
  await waitFor(
    'dead-lettered',
    () => stateOf(smuggled).includes('dead_lettered') && stateOf(listed).includes('dead_lettered'),
  );
  for (const [j, channel] of [
    [smuggled, 'email'],
    [listed, 'sms'],
  ] as const) {
    // One attempt (the provider's own check refused it), then the dead letter: no retry.
    expect(stateOf(j)).toEqual(['dead_lettered']);
    const letter = letters.find((l) => l.notificationId === j.notificationId)!;
    expect(letter.kind).toBe('permanent');
    expect(letter.reason).toMatch(
      new RegExp(`^HERALD_ERR_ADDRESS_INVALID: ${channel} address is invalid: `),
    );
    const status = statuses.find(
      (s) => s.event.subject === j.notificationId && s.event.data.state === 'dead_lettered',
    )!.event.data;
    expect(status).toMatchObject({ retryable: false, reason: letter.reason });
  }
  expect(smtp.received.length).toBe(sentBefore);
  expect(twilio.received).toHaveLength(1);
  const text = await (await fetch(`${worker.ops()!.url}/metrics`)).text();
  expect(text).toMatch(
    /herald_deliveries_total\{channel="sms",provider="twilio",outcome="dead_lettered",failure_class="invalid_request"[^}]*\} 1/,
  );
});
