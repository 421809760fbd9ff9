/**
 * The api on its own, on real Kafka and Postgres: its health endpoints, the ops server
 * on a port of its own, readiness while Postgres is down, and its settings. What
 * receipts do to the auditor's rows is an end-to-end test: e2e/test/receipts.test.ts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApi, parseApiEnv, type Api } from '@herald/api';
import { silentLogger, topicNames } from '@herald/core';
import { ensureTopics, heraldTopicSpecs } from '@herald/kafka';
import { testRun } from '@herald/testkit';

const run = testRun('api-test');
const { kafka, prefix } = run;
let api: Api;

beforeAll(async () => {
  await run.database();
  await ensureTopics(kafka, heraldTopicSpecs(topicNames(prefix), 1, 1));
  api = await run.start(
    buildApi(
      parseApiEnv(run.settings({ HERALD_API_HOST: '127.0.0.1', HERALD_API_PORT: '0' })),
      silentLogger,
    ),
  );
}, 60_000);

afterAll(() => run.stop());

it('answers /healthz', async () => {
  const response = await fetch(`${api.url}/healthz`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: 'ok' });
});

describe('ops server (HERALD_METRICS_PORT, apart from the API port)', () => {
  it('serves /healthz and /readyz on its own port, ready with Kafka and Postgres', async () => {
    expect(new URL(api.opsUrl).port).not.toBe(new URL(api.url).port);
    expect((await fetch(`${api.opsUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${api.opsUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ok',
      checks: { kafka: { ok: true }, postgres: { ok: true } },
    });
    // The API port does not serve metrics: providers never see them.
    expect((await fetch(`${api.url}/metrics`)).status).toBe(404);
  });

  it('is live but not ready while Postgres is unreachable', async () => {
    // A port nothing listens on: the api starts (Postgres is used lazily), /readyz says why.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = buildApi(
      parseApiEnv(
        run.settings({
          DATABASE_URL: `postgres://herald:herald@127.0.0.1:${port}/herald`,
          HERALD_API_HOST: '127.0.0.1',
          HERALD_API_PORT: '0',
        }),
      ),
      silentLogger,
    );
    try {
      await unreachable.start();
      expect((await fetch(`${unreachable.opsUrl}/healthz`)).status).toBe(200);
      const ready = await fetch(`${unreachable.opsUrl}/readyz`);
      expect(ready.status).toBe(503);
      const report = (await ready.json()) as {
        checks: Record<string, { ok: boolean; error?: string }>;
      };
      expect(report.checks.kafka).toEqual({ ok: true });
      expect(report.checks.postgres!.ok).toBe(false);
      expect(report.checks.postgres!.error).toMatch(/ECONNREFUSED/);
    } finally {
      await unreachable.stop();
    }
  });

  it('refuses one port for both the API and the ops server', () => {
    expect(() =>
      parseApiEnv({
        KAFKA_BROKERS: '127.0.0.1:9092',
        DATABASE_URL: 'postgres://h:h@127.0.0.1:5432/h',
        HERALD_API_PORT: '9464',
      }),
    ).toThrow(/HERALD_ERR_CONFIG_INVALID.*HERALD_API_PORT and HERALD_METRICS_PORT are both 9464/);
  });

  it('refuses a Postmark user without a password (the pair is the basic auth)', () => {
    expect(() =>
      parseApiEnv({
        KAFKA_BROKERS: '127.0.0.1:9092',
        DATABASE_URL: 'postgres://h:h@127.0.0.1:5432/h',
        HERALD_API_POSTMARK_USER: 'herald',
      }),
    ).toThrow(/HERALD_ERR_CONFIG_INVALID.*go together/);
  });

  it('refuses a SendGrid key that is not a base64 P-256 public key', () => {
    expect(() =>
      parseApiEnv({
        KAFKA_BROKERS: '127.0.0.1:9092',
        DATABASE_URL: 'postgres://h:h@127.0.0.1:5432/h',
        HERALD_API_SENDGRID_PUBLIC_KEY: 'bm90IGEga2V5',
      }),
    ).toThrow(/HERALD_API_SENDGRID_PUBLIC_KEY.*P-256/s);
  });

  it('answers 404 on the Mailgun, Postmark and SendGrid endpoints when they are not configured', async () => {
    for (const path of ['/v1/receipts/mailgun', '/v1/receipts/postmark', '/v1/receipts/sendgrid'])
      expect((await fetch(`${api.url}${path}`, { method: 'POST', body: '{}' })).status).toBe(404);
  });
});
