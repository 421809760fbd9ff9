/**
 * One trace across two Kafka hops, exported over OTLP/HTTP (JSON) to a local receiver:
 * publish → send herald.events → process (router) → send herald.deliveries.webhook →
 * process (worker) → provider call. Every span's parent is the one before it.
 */
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { parseEnv } from '@herald/core';
import {
  activeTraceId,
  startTracing,
  telemetryEnv,
  traceProcess,
  traceSend,
  traceSpan,
  tracingConfig,
  type Tracing,
} from '@herald/telemetry';
import { stackEnv, uniquePrefix, waitFor } from '@herald/testkit';
import { spansFrom, startOtlpReceiver } from './otlp-receiver.js';

const prefix = uniquePrefix();
const events = `${prefix}herald.events`;
const deliveries = `${prefix}herald.deliveries.webhook`;
const routerGroup = `${prefix}herald-router`;
const workerGroup = `${prefix}herald-worker-webhook`;
const kafka = new Kafka({
  clientId: 'tracing-test',
  brokers: stackEnv().KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
const producer = kafka.producer();
const admin = kafka.admin();
const consumers: Consumer[] = [];
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let tracing: Tracing;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const env = parseEnv(telemetryEnv(), {
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: 'herald-tracing-test',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
  });
  tracing = startTracing(tracingConfig(env, 'test'));
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: events, numPartitions: 1 },
      { topic: deliveries, numPartitions: 1 },
    ],
  });
  await producer.connect();
});

afterAll(async () => {
  for (const consumer of consumers) await consumer.disconnect();
  await producer.disconnect();
  await admin.deleteTopics({ topics: [events, deliveries] }).catch(() => undefined);
  await admin.deleteGroups([routerGroup, workerGroup]).catch(() => undefined);
  await admin.disconnect();
  await tracing.stop();
  await receiver.stop();
});

async function stage(groupId: string, topic: string, handle: Parameters<Consumer['run']>[0]) {
  const consumer = kafka.consumer({ groupId });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run(handle);
}

it('links producer and consumer spans across a produce → consume → produce → consume hop', async () => {
  expect(tracing.enabled).toBe(true);
  const logged: Array<string | undefined> = [];
  let delivered = false;
  await stage(routerGroup, events, {
    eachMessage: ({ topic, partition, message }) =>
      traceProcess(
        {
          topic,
          partition,
          offset: message.offset,
          group: routerGroup,
          key: message.key,
          headers: message.headers,
          messageId: 'evt-1',
        },
        () =>
          traceSend({ topic: deliveries, key: 'user-42', messageId: 'n-1' }, async (headers) => {
            await producer.send({
              topic: deliveries,
              acks: -1,
              messages: [{ key: 'user-42', value: 'job', headers }],
            });
          }),
      ),
  });
  await stage(workerGroup, deliveries, {
    eachMessage: ({ topic, partition, message }) =>
      traceProcess(
        {
          topic,
          partition,
          offset: message.offset,
          group: workerGroup,
          key: message.key,
          headers: message.headers,
        },
        () =>
          traceSpan(
            'webhook send',
            { kind: 'client', attributes: { 'http.request.method': 'POST' } },
            () => {
              logged.push(activeTraceId());
              delivered = true;
            },
          ),
      ),
  });

  const publishedTrace = await traceSpan('publish order.shipped', {}, async () => {
    await traceSend({ topic: events, key: 'order-1001', messageId: 'evt-1' }, (headers) =>
      producer.send({
        topic: events,
        acks: -1,
        messages: [{ key: 'order-1001', value: '{}', headers }],
      }),
    );
    return activeTraceId();
  });
  await waitFor('the delivery', () => delivered);
  await tracing.flush();
  const spans = await waitFor('six spans', () => {
    const all = spansFrom(receiver.received);
    return all.length >= 6 ? all : undefined;
  });

  expect(receiver.received[0]!.contentType).toBe('application/json');
  const byName = (name: string) => {
    const found = spans.filter((s) => s.name === name);
    expect([name, found.length]).toEqual([name, 1]);
    return found[0]!;
  };
  const root = byName('publish order.shipped');
  const sendEvent = byName(`send ${events}`);
  const processEvent = byName(`process ${events}`);
  const sendJob = byName(`send ${deliveries}`);
  const processJob = byName(`process ${deliveries}`);
  const provider = byName('webhook send');

  // One trace, each span the child of the one before.
  expect(root.parentSpanId ?? '').toBe('');
  const chain = [root, sendEvent, processEvent, sendJob, processJob, provider];
  for (let i = 1; i < chain.length; i++) {
    expect([chain[i]!.name, chain[i]!.parentSpanId]).toEqual([
      chain[i]!.name,
      chain[i - 1]!.spanId,
    ]);
  }
  expect(new Set(chain.map((s) => s.traceId))).toEqual(new Set([root.traceId]));
  expect(publishedTrace).toBe(root.traceId);
  expect(logged).toEqual([root.traceId]);

  // Span kinds (OTLP enum): INTERNAL 1, CLIENT 3, PRODUCER 4, CONSUMER 5.
  expect(chain.map((s) => s.kind)).toEqual([1, 4, 5, 4, 5, 3]);
  expect(root.service).toBe('herald-tracing-test');
  expect(sendEvent.attributes).toEqual({
    'messaging.system': 'kafka',
    'messaging.destination.name': events,
    'messaging.operation.type': 'send',
    'messaging.operation.name': 'send',
    'messaging.kafka.message.key': 'order-1001',
    'messaging.message.id': 'evt-1',
  });
  expect(processJob.attributes).toEqual({
    'messaging.system': 'kafka',
    'messaging.destination.name': deliveries,
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.consumer.group.name': workerGroup,
    'messaging.destination.partition.id': '0',
    'messaging.kafka.offset': 0,
    'messaging.kafka.message.key': 'user-42',
  });
  expect(provider.attributes).toEqual({ 'http.request.method': 'POST' });
});
