/**
 * The auditor's chunk span, exported to a local OTLP/HTTP receiver: one
 * `process herald.status` CONSUMER span per chunk, linked to the trace of each record
 * (its Kafka traceparent header, else the status event's traceparent extension).
 */
import { buildAuditor, parseAuditorEnv } from '@herald/auditor';
import {
  deterministicId,
  silentLogger,
  statusEventFor,
  topicNames,
  type DeliveryJob,
} from '@herald/core';
import { ensureTopics, heraldTopicSpecs } from '@herald/kafka';
import { startTracing, tracingConfig, type Tracing } from '@herald/telemetry';
import {
  expectValidStatusEvent,
  spanKinds,
  startOtlpReceiver,
  testRun,
  waitFor,
  type OtlpReceiver,
} from '@herald/testkit';

const run = testRun('auditor-tracing-test');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
let receiver: OtlpReceiver;
let tracing: Tracing;

const job: DeliveryJob = {
  notificationId: deterministicId(prefix, 'traced'),
  event: { id: 'evt-t', source: 's', type: 'order.shipped', time: '2026-11-03T10:00:00Z' },
  tenant: 'acme',
  rule: { id: 'r', version: 1 },
  channel: 'webhook',
  recipient: { ref: 'bob', address: 'https://example.com/h' },
  priority: 'normal',
  attempt: 1,
  payload: {},
  plannedAt: '2026-11-03T10:00:00Z',
};

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  run.defer(() => receiver.stop());
  await run.database();
  await ensureTopics(kafka, heraldTopicSpecs(topics, 1, 1));
  const env = parseAuditorEnv(
    run.settings({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    }),
  );
  tracing = startTracing(tracingConfig(env, 'auditor'));
  run.defer(() => tracing.stop());
  await run.start(buildAuditor(env, silentLogger));
}, 60_000);

afterAll(() => run.stop());

it('writes a chunk in one process span linked to every record trace', async () => {
  const fromHeader = { traceId: 'a'.repeat(31) + '1', spanId: 'b'.repeat(15) + '1' };
  const fromEvent = { traceId: 'c'.repeat(31) + '2', spanId: 'd'.repeat(15) + '2' };
  const at = new Date('2026-11-03T10:00:01Z');
  const queued = statusEventFor(job, 'queued', 'herald/router', at);
  const sent = statusEventFor(job, 'sent', 'herald/worker', at, {
    traceparent: `00-${fromEvent.traceId}-${fromEvent.spanId}-01`,
  });
  [queued, sent].forEach(expectValidStatusEvent);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topics.status,
    acks: -1,
    messages: [
      {
        key: queued.subject,
        value: JSON.stringify(queued),
        headers: { traceparent: `00-${fromHeader.traceId}-${fromHeader.spanId}-01` },
      },
      { key: sent.subject, value: JSON.stringify(sent) },
    ],
  });
  await producer.disconnect();

  const process = await waitFor('the chunk span', async () => {
    await tracing.flush();
    return receiver.spans.find(
      (s) =>
        s.name === `process ${topics.status}` &&
        (s.links ?? []).some((l) => l.traceId === fromEvent.traceId),
    );
  });
  expect(process.kind).toBe(spanKinds.consumer);
  expect(process.parentSpanId ?? '').toBe('');
  expect(process.traceId).not.toBe(fromHeader.traceId);
  expect(process.links).toEqual(
    expect.arrayContaining([
      expect.objectContaining(fromHeader),
      expect.objectContaining(fromEvent),
    ]),
  );
  const write = receiver.spans.find(
    (s) => s.name === 'audit write' && s.traceId === process.traceId,
  );
  expect(write?.parentSpanId).toBe(process.spanId);
  expect(write?.kind).toBe(spanKinds.client);
}, 60_000);
