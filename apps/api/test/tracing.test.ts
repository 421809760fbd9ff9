/**
 * A receipt is a span, and the status event it publishes carries that trace: the
 * `send herald.status` span's traceparent is in the Kafka headers and in the
 * CloudEvent's traceparent extension. Spans go to a local OTLP/HTTP receiver.
 */
import { Webhook } from 'standardwebhooks';
import { buildApi, parseApiEnv, type Api } from '@herald/api';
import {
  deterministicId,
  silentLogger,
  statusEventFor,
  topicNames,
  type DeliveryJob,
  type StatusEvent,
} from '@herald/core';
import { ensureTopics, heraldTopicSpecs } from '@herald/kafka';
import { AuditStore, createDatabase, migrateToLatest } from '@herald/store';
import { startTracing, tracingConfig, type Tracing } from '@herald/telemetry';
import {
  readTopics,
  spanKinds,
  startOtlpReceiver,
  testRun,
  waitFor,
  type OtlpReceiver,
} from '@herald/testkit';

const SECRET = `whsec_${Buffer.from('herald-tracing-test-secret-32byt').toString('base64')}`;
const run = testRun('api-tracing-test');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
const published: { traceparent?: string; event: StatusEvent }[] = [];
let receiver: OtlpReceiver;
let tracing: Tracing;
let api: Api;

const job: DeliveryJob = {
  notificationId: deterministicId(prefix, 'receipt'),
  event: { id: 'evt-r', source: 's', type: 'order.shipped', time: '2026-11-04T10:00:00Z' },
  tenant: 'acme',
  rule: { id: 'r', version: 1 },
  channel: 'email',
  recipient: { ref: 'carol', address: 'carol@example.com' },
  priority: 'normal',
  attempt: 1,
  payload: {},
  plannedAt: '2026-11-04T10:00:00Z',
};

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  run.defer(() => receiver.stop());

  // The notification as the auditor would have recorded it: sent, with a message id.
  const { url } = await run.database();
  const db = createDatabase({ url, poolSize: 1, logger: silentLogger });
  await migrateToLatest(db);
  const at = new Date('2026-11-04T10:00:01Z');
  await new AuditStore(db).write([
    statusEventFor(job, 'queued', 'herald/router', at),
    statusEventFor(job, 'sent', 'herald/worker', at, {
      provider: { statusCode: 200, messageId: 'pm-traced' },
    }),
  ]);
  await db.destroy();

  await ensureTopics(kafka, heraldTopicSpecs(topics, 1, 1));
  // Validates every status (schema, CloudEvents Kafka binding) before onRecord sees it.
  const reader = await readTopics(kafka, {
    groupId: `${prefix}status-reader`,
    topics: [topics.status],
    onRecord: ({ value, headers }) =>
      void published.push({
        traceparent: headers.traceparent,
        event: JSON.parse(value.toString()) as StatusEvent,
      }),
  });
  run.defer(() => reader.stop());

  const env = parseApiEnv(
    run.settings({
      HERALD_API_HOST: '127.0.0.1',
      HERALD_API_PORT: '0',
      HERALD_API_RECEIPT_SECRETS: JSON.stringify({ postmark: SECRET }),
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    }),
  );
  tracing = startTracing(tracingConfig(env, 'api'));
  run.defer(() => tracing.stop());
  api = await run.start(buildApi(env, silentLogger));
}, 60_000);

afterAll(() => run.stop());

it('publishes the receipt status with the traceparent of its send span', async () => {
  const body = JSON.stringify({
    type: 'delivered',
    providerMessageId: 'pm-traced',
    occurredAt: '2026-11-04T10:00:05Z',
  });
  const id = 'msg_traced';
  const timestamp = new Date();
  const response = await fetch(`${api.url}/v1/receipts/webhook/postmark`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': new Webhook(SECRET).sign(id, timestamp, body),
    },
  });
  expect(response.status).toBe(200);

  const record = await waitFor('the delivered status', () =>
    published.find((p) => p.event.data.state === 'delivered'),
  );
  expect(record.event.subject).toBe(job.notificationId);
  expect(record.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  expect(record.event.traceparent).toBe(record.traceparent);
  const [, traceId, spanId] = record.traceparent!.split('-');

  const send = await waitFor('the send span', async () => {
    await tracing.flush();
    return receiver.spans.find((s) => s.spanId === spanId);
  });
  expect(send).toMatchObject({ name: `send ${topics.status}`, kind: spanKinds.producer, traceId });
  const receipt = receiver.spans.find((s) => s.spanId === send.parentSpanId);
  expect(receipt).toMatchObject({ name: 'receipt postmark', traceId });
}, 60_000);
