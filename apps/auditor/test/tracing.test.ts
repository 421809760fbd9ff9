/**
 * The auditor's chunk span, exported to a local OTLP/HTTP receiver: one
 * `process herald.status` CONSUMER span per chunk, linked to the trace of each record
 * (its Kafka traceparent header, else the status event's traceparent extension).
 */
import { Kafka, logLevel } from 'kafkajs';
import { buildAuditor, parseAuditorEnv, type Auditor } from '@herald/auditor';
import {
  deterministicId,
  silentLogger,
  statusEventFor,
  topicNames,
  type DeliveryJob,
} from '@herald/core';
import { ensureTopics, heraldTopicSpecs, deleteTopicsWithPrefix } from '@herald/kafka';
import { startTracing, tracingConfig, type Tracing } from '@herald/telemetry';
import {
  createTestDatabase,
  stackEnv,
  uniquePrefix,
  waitFor,
  type TestDatabase,
  startOtlpReceiver,
  type OtlpReceiver,
} from '@herald/testkit';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  name: string;
  kind: number;
  links?: { traceId: string; spanId: string }[];
  parentSpanId?: string;
}

const prefix = uniquePrefix();
const topics = topicNames(prefix);
const kafka = new Kafka({
  clientId: 'auditor-tracing-test',
  brokers: stackEnv().KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
let receiver: OtlpReceiver<ExportedSpan>;
let tracing: Tracing;
let testDb: TestDatabase;
let auditor: Auditor;

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
  receiver = await startOtlpReceiver<ExportedSpan>();
  const endpoint = receiver.endpoint;
  testDb = await createTestDatabase(stackEnv().DATABASE_URL);
  await ensureTopics(kafka, heraldTopicSpecs(topics, 1, 1));
  const env = parseAuditorEnv({
    KAFKA_BROKERS: stackEnv().KAFKA_BROKERS,
    DATABASE_URL: testDb.url,
    HERALD_TOPIC_PREFIX: prefix,
    HERALD_TOPIC_PARTITIONS: '1',
    HERALD_METRICS_PORT: '0',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  });
  tracing = startTracing(tracingConfig(env, 'auditor'));
  auditor = buildAuditor(env, silentLogger);
  await auditor.start();
}, 60_000);

afterAll(async () => {
  await auditor?.stop();
  await tracing?.stop();
  await testDb?.drop();
  await receiver?.stop();
  await deleteTopicsWithPrefix(kafka, prefix);
});

it('writes a chunk in one process span linked to every record trace', async () => {
  const fromHeader = { traceId: 'a'.repeat(31) + '1', spanId: 'b'.repeat(15) + '1' };
  const fromEvent = { traceId: 'c'.repeat(31) + '2', spanId: 'd'.repeat(15) + '2' };
  const at = new Date('2026-11-03T10:00:01Z');
  const queued = statusEventFor(job, 'queued', 'herald/router', at);
  const sent = statusEventFor(job, 'sent', 'herald/worker', at, {
    traceparent: `00-${fromEvent.traceId}-${fromEvent.spanId}-01`,
  });
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
  expect(process.kind).toBe(5); // CONSUMER
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
  expect(write?.kind).toBe(3); // CLIENT
}, 60_000);
