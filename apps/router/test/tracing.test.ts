/**
 * The router's `process herald.events` span, exported over OTLP/HTTP (JSON) to a local
 * receiver: it is a child of the producer's traceparent, and the job and status records
 * the router publishes carry the router span's context, so the worker continues it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { silentLogger, topicNames } from '@herald/core';
import { buildRouter, parseRouterEnv } from '@herald/router';
import { startTracing, tracingConfig, type Tracing } from '@herald/telemetry';
import {
  readTopics,
  spanAttributes,
  spanKinds,
  startOtlpReceiver,
  testRun,
  waitFor,
  type OtlpReceiver,
} from '@herald/testkit';

const run = testRun('router-tracing-test');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
let receiver: OtlpReceiver;
let tracing: Tracing;
let producer: Producer;
const seen: { topic: string; traceparent?: string; eventId?: string }[] = [];

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'herald-router-tracing-'));
  run.defer(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    join(dir, 'rules.yaml'),
    `rules:
  - id: alerts
    when: event.type == "t.alert"
    channels: [{ type: webhook, url: "https://hooks.example.com/alerts" }]
`,
  );
  receiver = await startOtlpReceiver();
  run.defer(() => receiver.stop());
  const env = parseRouterEnv(
    run.settings({
      HERALD_RULES_FILE: join(dir, 'rules.yaml'),
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    }),
  );
  tracing = startTracing(tracingConfig(env, 'router'));
  run.defer(() => tracing.stop());
  await run.start(buildRouter(env, silentLogger));
  producer = kafka.producer();
  run.defer(() => producer.disconnect());
  await producer.connect();
  // Validates every status (schema, CloudEvents Kafka binding) before onRecord sees it.
  const observer = await readTopics(kafka, {
    groupId: `${prefix}observer`,
    topics: [topics.status, topics.deliveries('webhook'), topics.rejected],
    onRecord: (message) => {
      const { topic } = message;
      const value = message.value.toString();
      let eventId: string | undefined;
      try {
        const parsed = JSON.parse(value) as { event?: { id: string }; data?: { eventId: string } };
        eventId = parsed.event?.id ?? parsed.data?.eventId;
      } catch {
        eventId = undefined;
      }
      seen.push({
        topic,
        ...(message.headers.traceparent === undefined
          ? {}
          : { traceparent: message.headers.traceparent }),
        ...(eventId === undefined ? {} : { eventId }),
      });
    },
  });
  run.defer(() => observer.stop());
}, 60_000);

afterAll(() => run.stop(), 60_000);

it("continues the producer's trace and hands its own span to the job and status records", async () => {
  expect(tracing.enabled).toBe(true);
  const traceId = randomBytes(16).toString('hex');
  const producerSpanId = randomBytes(8).toString('hex');
  const eventId = randomUUID();
  await producer.send({
    topic: topics.events,
    acks: -1,
    messages: [
      {
        key: eventId,
        value: JSON.stringify({ specversion: '1.0', id: eventId, source: '/t', type: 't.alert' }),
        headers: { traceparent: `00-${traceId}-${producerSpanId}-01` },
      },
    ],
  });
  const outputs = await waitFor('the job and its queued status', () => {
    const mine = seen.filter((m) => m.eventId === eventId);
    return mine.length === 2 ? mine : undefined;
  });
  await tracing.flush();
  const span = await waitFor('the router span at the receiver', async () => {
    await tracing.flush();
    return receiver.spans.find((s) => s.name === `process ${topics.events}`);
  });
  expect(span).toMatchObject({ traceId, parentSpanId: producerSpanId, kind: spanKinds.consumer });
  expect(spanAttributes(span)).toMatchObject({
    'messaging.system': 'kafka',
    'messaging.destination.name': topics.events,
    'messaging.operation.type': 'process',
    'messaging.consumer.group.name': `${prefix}herald-router`,
    'messaging.message.id': eventId,
  });
  expect(outputs.map((o) => o.topic).sort()).toEqual(
    [topics.deliveries('webhook'), topics.status].sort(),
  );
  for (const output of outputs) {
    expect(output.traceparent).toBe(`00-${traceId}-${span.spanId}-01`);
  }
});

it('puts its own span on a rejected record', async () => {
  const traceId = randomBytes(16).toString('hex');
  await producer.send({
    topic: topics.events,
    acks: -1,
    messages: [
      { value: '{broken', headers: { traceparent: `00-${traceId}-${'ab'.repeat(8)}-01` } },
    ],
  });
  const rejected = await waitFor('the rejected record', () =>
    seen.find((m) => m.topic === topics.rejected && m.traceparent?.includes(traceId)),
  );
  const span = await waitFor('its span', async () => {
    await tracing.flush();
    return receiver.spans.find((s) => s.traceId === traceId);
  });
  expect(span.parentSpanId).toBe('ab'.repeat(8));
  expect(rejected.traceparent).toBe(`00-${traceId}-${span.spanId}-01`);
});
