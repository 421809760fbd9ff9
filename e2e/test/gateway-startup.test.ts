/**
 * The gateway process (apps/gateway/dist/main.js, through runMain) rides out a Redis
 * that is away at start-up like the other apps: it retries instead of exiting, its ops
 * port answers from the first attempt (/healthz 200, /readyz 503 naming Redis), and it
 * serves once Redis is there. Redis is the test's own; Postgres and Kafka the stack's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@herald/core';
import { createDatabase, migrateToLatest } from '@herald/store';
import { freePort, testRun, waitFor } from '@herald/testkit';
import { opsProbe, ownRedis, ridingOutSettings, startApp } from './ops-outage-harness.js';

const run = testRun('gwstart');
const gatewayMain = fileURLToPath(new URL('../../apps/gateway/dist/main.js', import.meta.url));

afterAll(() => run.stop());

it('retries its start while Redis is away, /readyz 503 naming it, then serves; SIGTERM exits 0', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'herald-gwstart-'));
  run.defer(() => rm(dir, { recursive: true, force: true }));
  const [redisPort, opsPort, clientPort] = [await freePort(), await freePort(), await freePort()];
  const redis = ownRedis(dir, redisPort);
  const { url: databaseUrl } = await run.database();
  const db = createDatabase({ url: databaseUrl, poolSize: 1, logger: silentLogger });
  await migrateToLatest(db);
  await db.destroy();
  run.defer(() => redis.stop());
  const app = startApp(
    gatewayMain,
    run.settings({
      REDIS_URL: redis.url,
      DATABASE_URL: databaseUrl,
      HERALD_GATEWAY_TENANT_SECRETS: JSON.stringify({ acme: 's'.repeat(32) }),
      HERALD_GATEWAY_HOST: '127.0.0.1',
      HERALD_GATEWAY_PORT: String(clientPort),
      ...ridingOutSettings(opsPort),
    }),
    (cleanup) => run.defer(cleanup),
  );
  const explain = () => `gateway output:\n${app.output().slice(-3000)}`;

  await waitFor('a start retry', () => app.output().includes('retrying'), 60_000).catch((err) => {
    throw new Error(`${(err as Error).message}\n${explain()}`);
  });
  expect(app.child.exitCode).toBeNull();
  expect(await opsProbe(opsPort, 'healthz')).toEqual({ status: 200, body: { status: 'ok' } });
  expect(await opsProbe(opsPort, 'readyz')).toMatchObject({
    status: 503,
    body: { checks: { redis: { ok: false, error: expect.stringContaining(`${redisPort}`) } } },
  });

  redis.start();
  await waitFor(
    '/readyz 200 once Redis is up',
    async () => (await opsProbe(opsPort, 'readyz')).status === 200,
    60_000,
  ).catch((err) => {
    throw new Error(`${(err as Error).message}\n${explain()}`);
  });
  // The client port serves: a feed call without a token is refused by the gateway itself.
  const feed = await fetch(`http://127.0.0.1:${clientPort}/v1/inbox/messages`);
  expect(feed.status).toBe(401);

  expect(await app.terminate()).toBe(0);
}, 180_000);
