/**
 * The auditor's ops server on real Kafka and Postgres: /readyz follows the consumer
 * group and Postgres, /metrics counts the work it did, consumer lag is exported.
 * Postgres "goes away" through a TCP gate the test closes (the shared Postgres keeps
 * running for everyone else).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { buildAuditor, parseAuditorEnv, type Auditor } from '@herald/auditor';
import {
  deterministicId,
  silentLogger,
  statusEventFor,
  statusMessage,
  topicNames,
  type DeliveryJob,
} from '@herald/core';
import { ensureTopics, heraldTopicSpecs } from '@herald/kafka';
import { expectValidStatusEvent, testRun, waitFor } from '@herald/testkit';

const run = testRun('auditor-telemetry-test');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
let auditor: Auditor;
let gate: TcpGate;

/** A TCP forwarder to Postgres that the test can close (refusing connections) and reopen. */
interface TcpGate {
  readonly port: number;
  close(): Promise<void>;
  open(): Promise<void>;
  stop(): Promise<void>;
}

async function tcpGate(target: URL): Promise<TcpGate> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const open = async () => {
    server = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  };
  const close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  };
  await open();
  return {
    get port() {
      return port;
    },
    open,
    close,
    stop: close,
  };
}

function job(n: number): DeliveryJob {
  return {
    notificationId: deterministicId(prefix, 'telemetry', String(n)),
    event: {
      id: `evt-${n}`,
      source: 's',
      type: 'order.shipped',
      time: '2026-11-02T10:00:00Z',
    },
    tenant: 'acme',
    rule: { id: 'r', version: 1 },
    channel: 'webhook',
    recipient: { ref: `user-${n}`, address: 'https://example.com/h' },
    priority: 'normal',
    attempt: 1,
    payload: {},
    plannedAt: '2026-11-02T10:00:00Z',
  };
}

async function get(path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${auditor.opsUrl}${path}`);
  return { status: response.status, body: await response.text() };
}

/** The value of one series in a Prometheus text exposition (labels in any order). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return Number.NaN;
}

beforeAll(async () => {
  const testDb = await run.database();
  const url = new URL(testDb.url);
  gate = await tcpGate(new URL(testDb.url));
  run.defer(() => gate.stop());
  url.port = String(gate.port);
  url.hostname = '127.0.0.1';
  await ensureTopics(kafka, heraldTopicSpecs(topics, 1, 1));
  auditor = await run.start(
    buildAuditor(
      parseAuditorEnv(
        run.settings({
          // Through the gate, which the test closes to take Postgres away.
          DATABASE_URL: url.toString(),
          HERALD_METRICS_HOST: '127.0.0.1',
          HERALD_LAG_INTERVAL_MS: '200',
        }),
      ),
      silentLogger,
    ),
  );
}, 60_000);

afterAll(() => run.stop());

it('is live and ready once it joined its group and Postgres answers', async () => {
  expect((await get('/healthz')).status).toBe(200);
  const ready = await get('/readyz');
  expect(ready.status).toBe(200);
  expect(JSON.parse(ready.body)).toEqual({
    status: 'ok',
    checks: { consumerGroup: { ok: true }, postgres: { ok: true } },
  });
});

it('counts status events, rows per table, dead letters, batches, maintenance and lag', async () => {
  const at = new Date('2026-11-02T10:00:01Z');
  const statuses = [0, 1, 2].flatMap((n) => [
    statusEventFor(job(n), 'queued', 'herald/router', at),
    statusEventFor(job(n), 'sent', 'herald/worker', at),
  ]);
  statuses.forEach(expectValidStatusEvent);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topics.status,
    acks: -1,
    messages: [
      ...statuses.map((s) => statusMessage(s)),
      { key: null, value: 'not a status event' },
    ],
  });
  await producer.disconnect();

  const text = await waitFor('the chunk counted', async () => {
    const { body } = await get('/metrics');
    return sample(body, 'herald_auditor_status_events_total', { state: 'sent' }) === 3 &&
      sample(body, 'herald_consumer_lag_messages', { topic: topics.status }) === 0
      ? body
      : undefined;
  });
  expect(sample(text, 'herald_auditor_status_events_total', { state: 'queued' })).toBe(3);
  expect(sample(text, 'herald_auditor_rows_written_total', { table: 'status_events' })).toBe(6);
  expect(sample(text, 'herald_auditor_rows_written_total', { table: 'notifications' })).toBe(3);
  expect(sample(text, 'herald_auditor_rows_written_total', { table: 'delivery_attempts' })).toBe(3);
  expect(sample(text, 'herald_auditor_rows_written_total', { table: 'events' })).toBe(3);
  expect(sample(text, 'herald_dead_lettered_total', { stage: 'auditor', channel: 'none' })).toBe(1);
  expect(sample(text, 'herald_auditor_batch_size_sum')).toBe(6);
  expect(
    sample(text, 'herald_auditor_write_duration_seconds_count', { result: 'ok' }),
  ).toBeGreaterThanOrEqual(1);
  expect(sample(text, 'herald_auditor_partition_maintenance_total', { result: 'ok' })).toBe(1);
  expect(sample(text, 'herald_auditor_partitions_created_total')).toBeGreaterThan(0);
  expect(
    sample(text, 'herald_consumer_lag_messages', {
      group: `${prefix}herald-auditor`,
      topic: topics.status,
      partition: '0',
    }),
  ).toBe(0);
  expect(text).toContain('app="auditor"');
}, 60_000);

it('is not ready while Postgres is unreachable, and ready again when it returns', async () => {
  await gate.close();
  const down = await waitFor('readyz 503', async () => {
    const r = await get('/readyz');
    return r.status === 503 ? r : undefined;
  });
  const report = JSON.parse(down.body) as {
    status: string;
    checks: Record<string, { ok: boolean; error?: string }>;
  };
  expect(report.status).toBe('unavailable');
  expect(report.checks.postgres!.ok).toBe(false);
  expect(report.checks.consumerGroup).toEqual({ ok: true });
  // Still alive: a probe must not restart a pod because its database is away.
  expect((await get('/healthz')).status).toBe(200);

  await gate.open();
  await waitFor('readyz 200', async () => (await get('/readyz')).status === 200);
}, 60_000);
