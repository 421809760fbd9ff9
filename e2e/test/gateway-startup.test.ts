/**
 * The gateway process (apps/gateway/dist/main.js, through runMain) rides out a Redis
 * that is away at start-up like the other apps: it retries instead of exiting, its ops
 * port answers from the first attempt (/healthz 200, /readyz 503 naming Redis), and it
 * serves once Redis is there. Redis is the test's own; Postgres and Kafka the stack's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@herald/core';
import { createDatabase, migrateToLatest } from '@herald/store';
import { freePort, testRun, waitFor } from '@herald/testkit';
import { opsProbe, ownRedis } from './ops-outage-harness.js';

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
  let output = '';
  const gateway: ChildProcess = spawn(process.execPath, [gatewayMain], {
    env: {
      PATH: process.env.PATH,
      ...run.settings({
        REDIS_URL: redis.url,
        DATABASE_URL: databaseUrl,
        HERALD_GATEWAY_TENANT_SECRETS: JSON.stringify({ acme: 's'.repeat(32) }),
        HERALD_GATEWAY_HOST: '127.0.0.1',
        HERALD_GATEWAY_PORT: String(clientPort),
        HERALD_METRICS_HOST: '127.0.0.1',
        HERALD_METRICS_PORT: String(opsPort),
        HERALD_DEPENDENCY_OUTAGE_MS: '120000',
        HERALD_SHUTDOWN_TIMEOUT_MS: '5000',
        HERALD_LOG_LEVEL: 'warn',
      }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  run.defer(() => {
    if (gateway.exitCode === null) gateway.kill('SIGKILL');
  });
  gateway.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  gateway.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const explain = () => `gateway output:\n${output.slice(-3000)}`;

  await waitFor('a start retry', () => output.includes('retrying'), 60_000).catch((err) => {
    throw new Error(`${(err as Error).message}\n${explain()}`);
  });
  expect(gateway.exitCode).toBeNull();
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

  gateway.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) =>
    gateway.exitCode === null ? gateway.on('exit', resolve) : resolve(gateway.exitCode),
  );
  expect(code).toBe(0);
}, 180_000);
