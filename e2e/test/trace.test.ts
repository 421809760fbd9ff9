/**
 * One trace followed across the whole pipeline. A CloudEvent produced with a W3C
 * traceparent goes through the router, a webhook worker and the auditor, built
 * in-process with OpenTelemetry exporting (OTLP/HTTP JSON) to a local receiver; the
 * webhook reaches a local HTTP receiver and the statuses reach the audit tables. The
 * exported spans must form the producer's trace: router `process` → worker `process` →
 * `webhook send`, each the child of the one before, and the auditor's chunk spans (a
 * trace of their own per chunk, docs/observability.md) must link to the router's and the
 * worker's spans of that trace.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { buildAuditor, parseAuditorEnv } from '@herald/auditor';
import { silentLogger, topicNames } from '@herald/core';
import { buildRouter, parseRouterEnv } from '@herald/router';
import { startTracing, tracingConfig, type Tracing } from '@herald/telemetry';
import {
  spanAttributes,
  spanKinds,
  stackEnv,
  startOtlpReceiver,
  startReceiver,
  testRun,
  waitFor,
  type OtlpReceiver,
  type OtlpSpan,
  type Receiver,
} from '@herald/testkit';
import { buildWorker, parseWorkerEnv } from '@herald/worker';

const run = testRun('e2e-trace');
const topics = topicNames(run.prefix);
const secret = `whsec_${randomBytes(32).toString('base64')}`;
let spans: OtlpReceiver;
let tracing: Tracing;
let webhooks: Receiver;

beforeAll(async () => {
  spans = await startOtlpReceiver();
  run.defer(() => spans.stop());
  webhooks = await startReceiver();
  run.defer(() => webhooks.close());
  const dir = await mkdtemp(join(tmpdir(), 'herald-e2e-trace-'));
  run.defer(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    join(dir, 'rules.yaml'),
    [
      'rules:',
      '  - id: traced-orders',
      '    when: event.type == "order.shipped"',
      '    channels:',
      '      - type: webhook',
      `        url: ${webhooks.url}/hooks/traced`,
      '',
    ].join('\n'),
  );
  await run.database();
  const shared = run.settings({
    HERALD_SHUTDOWN_TIMEOUT_MS: '5000',
    REDIS_URL: stackEnv().REDIS_URL,
  });
  // main.ts starts tracing before it builds its app; the three apps share this process,
  // so they share one tracer provider (one service name, told apart by span names).
  const routerEnv = parseRouterEnv({
    ...shared,
    HERALD_RULES_FILE: join(dir, 'rules.yaml'),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: spans.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: 'herald-e2e',
  });
  tracing = startTracing(tracingConfig(routerEnv, 'e2e'));
  // Stopped after the apps (clean-ups run in reverse), so their last spans are exported.
  run.defer(() => tracing.stop());
  // The auditor first: it migrates the database the worker reads templates from.
  await run.start(buildAuditor(parseAuditorEnv(shared), silentLogger));
  await run.start(
    buildWorker(
      parseWorkerEnv({
        ...shared,
        HERALD_WEBHOOK_SECRETS: JSON.stringify({ default: secret }),
        HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        // The legacy shape end to end (pipeline.test.ts has the default): `sending` too.
        HERALD_WORKER_SENDING_STATUS: 'true',
      }),
      silentLogger,
    ),
  );
  await run.start(buildRouter(routerEnv, silentLogger));
});

afterAll(() => run.stop());

/** Polls the OTLP receiver (flushing the batch processor) until `pick` finds a span. */
async function exported(what: string, pick: (span: OtlpSpan) => boolean): Promise<OtlpSpan> {
  return waitFor(
    what,
    async () => {
      await tracing.flush();
      return spans.spans.find(pick);
    },
    30_000,
  );
}

it("keeps the producer's trace from herald.events to the provider call and links the audit write to it", async () => {
  expect(tracing.enabled).toBe(true);
  const traceId = randomBytes(16).toString('hex');
  const producerSpanId = randomBytes(8).toString('hex');
  const eventId = `evt-${randomBytes(4).toString('hex')}`;
  const producer = run.kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topics.events,
    acks: -1,
    messages: [
      {
        key: eventId,
        value: JSON.stringify({
          specversion: '1.0',
          id: eventId,
          source: 'shop/orders',
          type: 'order.shipped',
          time: '2026-11-22T10:00:00Z',
          tenantid: 'acme',
          data: { orderId: eventId },
        }),
        headers: { traceparent: `00-${traceId}-${producerSpanId}-01` },
      },
    ],
  });
  await producer.disconnect();

  // The delivery arrives, and the auditor records its queued, sending and sent statuses
  // (this worker publishes the legacy `sending`).
  const request = await waitFor('the webhook delivery', () => webhooks.requests[0], 45_000);
  expect(request.path).toBe('/hooks/traced');
  const notificationId = String(request.headers['webhook-id']);
  const db = new Kysely<Record<string, never>>({
    dialect: new PostgresDialect({
      pool: new pg.Pool({ connectionString: (await run.database()).url, max: 1 }),
    }),
  });
  try {
    const states = await waitFor(
      'the queued, sending and sent audit rows',
      async () => {
        const { rows } = await sql<{ state: string; event_id: string }>`
          select state, event_id from status_events
          where notification_id = ${notificationId} order by state`.execute(db);
        return rows.length >= 3 ? rows : undefined;
      },
      30_000,
    );
    expect(states).toEqual([
      { state: 'queued', event_id: eventId },
      { state: 'sending', event_id: eventId },
      { state: 'sent', event_id: eventId },
    ]);
  } finally {
    await db.destroy();
  }

  // Router: a CONSUMER span, child of the producer's span, in the producer's trace.
  const router = await exported(
    'the router span',
    (s) => s.name === `process ${topics.events}` && s.traceId === traceId,
  );
  expect(router).toMatchObject({ parentSpanId: producerSpanId, kind: spanKinds.consumer });
  expect(spanAttributes(router)).toMatchObject({
    'messaging.system': 'kafka',
    'messaging.message.id': eventId,
    'messaging.consumer.group.name': `${run.prefix}herald-router`,
  });

  // Worker: its CONSUMER span is the router span's child (the job carried its context)…
  const deliveries = topics.deliveries('webhook');
  const worker = await exported(
    'the worker span',
    (s) => s.name === `process ${deliveries}` && s.traceId === traceId,
  );
  expect(worker).toMatchObject({ parentSpanId: router.spanId, kind: spanKinds.consumer });
  expect(spanAttributes(worker)).toMatchObject({
    'messaging.destination.name': deliveries,
    'messaging.consumer.group.name': `${run.prefix}herald-worker-webhook`,
  });
  // …and the provider call a CLIENT span under it.
  const send = await exported(
    'the webhook send span',
    (s) => s.name === 'webhook send' && s.traceId === traceId,
  );
  expect(send).toMatchObject({ parentSpanId: worker.spanId, kind: spanKinds.client });
  expect(spanAttributes(send)).toMatchObject({
    'herald.provider': 'webhook',
    'herald.outcome': 'sent',
  });

  // Auditor: one CONSUMER span per chunk, a trace of its own, linking to the context each
  // status record carried: `queued` the router's span, `sent` the worker's.
  const status = `process ${topics.status}`;
  const linksTo = (spanId: string) => (s: OtlpSpan) =>
    s.name === status && (s.links ?? []).some((l) => l.traceId === traceId && l.spanId === spanId);
  const auditedQueued = await exported(
    'the auditor span linking the router',
    linksTo(router.spanId),
  );
  const auditedSent = await exported('the auditor span linking the worker', linksTo(worker.spanId));
  for (const chunk of [auditedQueued, auditedSent]) {
    expect(chunk.kind).toBe(spanKinds.consumer);
    expect(chunk.traceId).not.toBe(traceId);
    expect(chunk.parentSpanId ?? '').toBe('');
    const write = await exported(
      'its audit write span',
      (s) => s.name === 'audit write' && s.traceId === chunk.traceId,
    );
    expect(write).toMatchObject({ parentSpanId: chunk.spanId, kind: spanKinds.client });
  }

  // Nothing of this trace was left dangling: every span in it has its parent in it,
  // except the router's, whose parent is the producer's (not exported by Herald).
  const inTrace = spans.spans.filter((s) => s.traceId === traceId);
  const ids = new Set(inTrace.map((s) => s.spanId));
  for (const s of inTrace) {
    if (s.spanId === router.spanId) continue;
    expect(ids.has(s.parentSpanId ?? '')).toBe(true);
  }
});
