/**
 * The router's `process herald.events` span, exported over OTLP/HTTP (JSON) to a local
 * receiver: it is a child of the producer's traceparent, and the job and status records
 * the router publishes carry the router span's context, so the worker continues it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { channelNames, silentLogger, topicNames } from '@herald/core';
import { deleteTopics } from '@herald/kafka';
import { buildRouter, parseRouterEnv, type Router } from '@herald/router';
import { startTracing, tracingConfig, type Tracing } from '@herald/telemetry';
import {
  stackEnv,
  startOtlpReceiver,
  uniquePrefix,
  waitFor,
  type OtlpReceiver,
} from '@herald/testkit';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

const prefix = uniquePrefix();
const topics = topicNames(prefix);
const kafka = new Kafka({
  clientId: 'router-tracing-test',
  brokers: stackEnv().KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
let dir: string;
let receiver: OtlpReceiver<ExportedSpan>;
let tracing: Tracing;
let router: Router;
let producer: Producer;
let observer: Consumer;
const seen: { topic: string; traceparent?: string; eventId?: string }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'herald-router-tracing-'));
  await writeFile(
    join(dir, 'rules.yaml'),
    `rules:
  - id: alerts
    when: event.type == "t.alert"
    channels: [{ type: webhook, url: "https://hooks.example.com/alerts" }]
`,
  );
  receiver = await startOtlpReceiver<ExportedSpan>();
  const env = parseRouterEnv({
    KAFKA_BROKERS: stackEnv().KAFKA_BROKERS,
    HERALD_TOPIC_PREFIX: prefix,
    HERALD_TOPIC_PARTITIONS: '1',
    HERALD_RULES_FILE: join(dir, 'rules.yaml'),
    HERALD_METRICS_PORT: '0',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  });
  tracing = startTracing(tracingConfig(env, 'router'));
  router = buildRouter(env, silentLogger);
  await router.start();
  producer = kafka.producer();
  await producer.connect();
  observer = kafka.consumer({ groupId: `${prefix}observer` });
  await observer.connect();
  await observer.subscribe({
    topics: [topics.status, topics.deliveries('webhook'), topics.rejected],
    fromBeginning: true,
  });
  await observer.run({
    eachMessage: async ({ topic, message }) => {
      const value = message.value?.toString() ?? '';
      let eventId: string | undefined;
      try {
        const parsed = JSON.parse(value) as { event?: { id: string }; data?: { eventId: string } };
        eventId = parsed.event?.id ?? parsed.data?.eventId;
      } catch {
        eventId = undefined;
      }
      seen.push({
        topic,
        ...(message.headers?.traceparent === undefined
          ? {}
          : { traceparent: message.headers.traceparent.toString() }),
        ...(eventId === undefined ? {} : { eventId }),
      });
    },
  });
}, 60_000);

afterAll(async () => {
  await router?.stop();
  await observer?.disconnect();
  await producer?.disconnect();
  await tracing?.stop();
  await receiver?.stop();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteGroups([`${prefix}observer`, `${prefix}herald-router`]).catch(() => undefined);
  await admin.disconnect();
  await deleteTopics(kafka, [
    topics.events,
    topics.rejected,
    topics.status,
    topics.dlq,
    ...channelNames.flatMap((c) => [topics.deliveries(c), topics.criticalDeliveries(c)]),
  ]);
  await rm(dir, { recursive: true, force: true });
}, 60_000);

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
  expect(span).toMatchObject({ traceId, parentSpanId: producerSpanId, kind: 5 /* CONSUMER */ });
  const attributes = Object.fromEntries(
    span.attributes.map((a) => [a.key, a.value.stringValue ?? Number(a.value.intValue)]),
  );
  expect(attributes).toMatchObject({
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
