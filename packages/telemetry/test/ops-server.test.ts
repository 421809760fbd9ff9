/**
 * The ops server as Prometheus and the kubelet see it: scraped over HTTP, with the
 * lag collector reading a real consumer group and readiness following a real consumer.
 */
import { Kafka, logLevel, type Admin, type Consumer } from 'kafkajs';
import { silentLogger } from '@herald/core';
import {
  createHeraldMetrics,
  createLagCollector,
  startOpsServer,
  type OpsServer,
} from '@herald/telemetry';
import { stackEnv, uniquePrefix, waitFor } from '@herald/testkit';

const prefix = uniquePrefix();
const topic = `${prefix}herald.deliveries.webhook`;
const dlq = `${prefix}herald.dlq`;
const group = `${prefix}herald-worker-webhook`;
const kafka = new Kafka({
  clientId: 'telemetry-test',
  brokers: stackEnv().KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
let admin: Admin;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic, numPartitions: 2 },
      { topic: dlq, numPartitions: 1 },
    ],
  });
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await admin.deleteTopics({ topics: [topic, dlq] }).catch(() => undefined);
  await admin.deleteGroups([group]).catch(() => undefined);
  await admin.disconnect();
});

async function get(server: OpsServer, path: string) {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

async function produce(target: string, partition: number, count: number) {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: target,
    messages: Array.from({ length: count }, (_, i) => ({ partition, value: `m${i}` })),
  });
  await producer.disconnect();
}

describe('startOpsServer', () => {
  it('serves /healthz, and /readyz from the checks it is given', async () => {
    let postgresUp = true;
    const server = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      registry: createHeraldMetrics({ processMetrics: false }).registry,
      checks: {
        kafka: () => admin.describeCluster(),
        postgres: () => {
          if (!postgresUp) throw new Error('connect ECONNREFUSED 127.0.0.1:15432');
        },
        slow: () => new Promise((r) => setTimeout(r, 10)),
      },
      checkTimeoutMs: 1000,
      now: () => Date.parse('2026-03-01T10:00:00.000Z'),
    });
    cleanups.push(() => server.stop());
    expect(await get(server, '/healthz')).toEqual({
      status: 200,
      type: 'application/json',
      body: '{"status":"ok"}\n',
    });
    const ready = await get(server, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({
      status: 'ok',
      checks: { kafka: { ok: true }, postgres: { ok: true }, slow: { ok: true } },
    });
    postgresUp = false;
    const down = await get(server, '/readyz');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toEqual({
      status: 'unavailable',
      checks: {
        kafka: { ok: true },
        postgres: {
          ok: false,
          error: 'connect ECONNREFUSED 127.0.0.1:15432',
          since: '2026-03-01T10:00:00.000Z',
        },
        slow: { ok: true },
      },
      since: '2026-03-01T10:00:00.000Z',
    });
    expect((await get(server, '/nope')).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('times out a hanging check', async () => {
    const server = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      registry: createHeraldMetrics({ processMetrics: false }).registry,
      checks: { redis: () => new Promise(() => undefined) },
      checkTimeoutMs: 200,
    });
    cleanups.push(() => server.stop());
    const res = await get(server, '/readyz');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).checks.redis).toEqual({
      ok: false,
      error: 'no answer within 200 ms',
      since: expect.any(String),
    });
  });

  // Readiness on group membership is StageConsumer.joined (packages/kafka's tests).
  it('a consumer commits 3 of the 5 records of partition 0 (the lag test below reads it)', async () => {
    const consumer: Consumer = kafka.consumer({ groupId: group });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    // Consume 3 of the 5 records of partition 0 and commit them, for the lag test below.
    await produce(topic, 0, 5);
    await produce(topic, 1, 2);
    let seen = 0;
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (partition === 0 && Number(message.offset) < 3) {
          seen++;
          await consumer.commitOffsets([
            { topic, partition, offset: String(Number(message.offset) + 1) },
          ]);
        }
      },
    });
    await waitFor('3 records', () => seen === 3);
    await consumer.stop();
    await consumer.disconnect();
  });

  it('scrapes consumer lag per partition and the DLQ backlog in the Prometheus format', async () => {
    await produce(dlq, 0, 4);
    const metrics = createHeraldMetrics({ defaultLabels: { app: 'worker' } });
    const lag = createLagCollector({
      admin,
      metrics,
      groups: [{ group, topics: [topic] }],
      dlq: { topic: dlq, replayGroup: `${prefix}herald-dlq-replay` },
      intervalMs: 0,
      logger: silentLogger,
    });
    const measured = await lag.collect();
    expect(measured.lag.sort((a, b) => a.partition - b.partition)).toEqual([
      { group, topic, partition: 0, lag: 2 },
      { group, topic, partition: 1, lag: 2 },
    ]);
    expect(measured.dlq).toBe(4);

    metrics.recordDelivery({
      channel: 'webhook',
      provider: 'webhook',
      outcome: 'sent',
      durationSeconds: 0.05,
    });
    const server = await startOpsServer({ port: 0, host: '127.0.0.1', registry: metrics.registry });
    cleanups.push(() => server.stop());
    const scrape = await get(server, '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lines = scrape.body.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        '# TYPE herald_consumer_lag_messages gauge',
        `herald_consumer_lag_messages{group="${group}",topic="${topic}",partition="0",app="worker"} 2`,
        `herald_consumer_lag_messages{group="${group}",topic="${topic}",partition="1",app="worker"} 2`,
        `herald_dlq_messages{topic="${dlq}",app="worker"} 4`,
        '# TYPE herald_deliveries_total counter',
        'herald_deliveries_total{channel="webhook",provider="webhook",outcome="sent",failure_class="none",app="worker"} 1',
        '# TYPE notification_delivery_duration_seconds histogram',
        'notifications_delivered_total{channel="webhook",app="worker"} 1',
      ]),
    );
    // Every sample line is `name{labels} value`, and every family has HELP and TYPE.
    // (prom-client prints an empty event-loop histogram's mean as `Nan`; Prometheus
    // parses floats case-insensitively, so that is valid.)
    for (const line of lines.filter((l) => l && !l.startsWith('#'))) {
      expect([
        line,
        /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.e+-]+|[+-]?Inf|NaN)$/i.test(line),
      ]).toEqual([line, true]);
    }
    const families = lines.filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]);
    const helps = lines.filter((l) => l.startsWith('# HELP ')).map((l) => l.split(' ')[2]);
    expect(helps).toEqual(families);
    expect(families).toEqual(expect.arrayContaining(['process_cpu_seconds_total']));
  });
});
