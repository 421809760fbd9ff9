/**
 * `herald tokens issue` and `herald watch` (the built CLI, a process of its own)
 * against a running gateway on the real stack: messages stored the way the worker's
 * inapp channel stores them show up as progress bars and lines.
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { silentLogger } from '@herald/core';
import { createInboxGateway, parseGatewayEnv, type Gateway } from '@herald/gateway';
import { InboxFanout, InboxStore } from '@herald/inbox';
import { createDatabase, migrateToLatest } from '@herald/store';
import { verifySubscriberToken } from '@herald/subscriber-auth';
import { stackEnv, testRun, waitFor, type TestRun } from '@herald/testkit';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const secrets = JSON.stringify({ acme: 'cli-watch-test-secret-0123456789abcdef' });
let run: TestRun;
let store: InboxStore;
let fanout: InboxFanout;
let gateway: Gateway;
let env: ReturnType<typeof parseGatewayEnv>;

async function deliver(
  title: string,
  body: string,
  extra: { collapseKey?: string; data?: unknown } = {},
) {
  const result = await store.append({
    tenant: 'acme',
    subscriber: 'u-1',
    notificationId: randomUUID(),
    title,
    body,
    ...extra,
    event: { id: randomUUID(), type: 'task.progress', time: new Date().toISOString() },
    rule: { id: 'tasks', version: 1 },
    attempt: 1,
  });
  await fanout.publish({
    tenant: 'acme',
    subscriber: 'u-1',
    seq: result.seq,
    kind: 'message',
    message: result.message,
  });
}

beforeAll(async () => {
  run = testRun('cli-watch');
  const database = await run.database();
  const db = createDatabase({ url: database.url, poolSize: 2, logger: silentLogger });
  run.defer(() => db.destroy());
  await migrateToLatest(db);
  store = new InboxStore(db);
  const redis = new Redis(stackEnv().REDIS_URL);
  run.defer(() => redis.disconnect());
  fanout = new InboxFanout({ publisher: redis, keyPrefix: run.prefix });
  env = parseGatewayEnv(
    run.settings({
      REDIS_URL: stackEnv().REDIS_URL,
      HERALD_GATEWAY_TENANT_SECRETS: secrets,
      HERALD_GATEWAY_HOST: '127.0.0.1',
      HERALD_GATEWAY_PORT: '0',
    }),
  );
  gateway = await run.start(createInboxGateway(env, silentLogger));
});

afterAll(() => run.stop());

const cliEnv = () => ({
  PATH: process.env.PATH ?? '',
  HERALD_GATEWAY_TENANT_SECRETS: secrets,
  HERALD_GATEWAY_URL: gateway.url,
});

it('herald tokens issue prints a token the gateway accepts for that subscriber only', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [main, 'tokens', 'issue', '--tenant', 'acme', '--subscriber', 'u-9', '--ttl', '15m'],
    { env: cliEnv() },
  );
  const who = await verifySubscriberToken(env.tenantSecrets, stdout.trim());
  expect(who).toMatchObject({ tenant: 'acme', subscriber: 'u-9' });
  expect(who.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000);
  const refused = await promisify(execFile)(
    process.execPath,
    [main, 'tokens', 'issue', '--tenant', 'nobody', '--subscriber', 'u'],
    { env: cliEnv() },
  ).catch((err: { stderr: string; code: number }) => err);
  expect('code' in refused && refused.code).not.toBe(0);
  expect((refused as { stderr: string }).stderr).toMatch(/no secret for tenant nobody/);
});

it('herald watch renders stored and live task progress and completions from the gateway', async () => {
  await deliver('Welcome', 'hello');
  const child = spawn(
    process.execPath,
    [main, 'watch', '--tenant', 'acme', '--subscriber', 'u-1', '--after', '0', '--max', '4'],
    { env: cliEnv() },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await waitFor('the stored message', () => out.includes('Welcome'), 15_000);
  await deliver('Nightly export: 40%', 'Copying files (3 of 8)', {
    collapseKey: 'task-7',
    data: { percent: '40' },
  });
  await deliver('Nightly export: 80%', 'Copying files (7 of 8)', {
    collapseKey: 'task-7',
    data: { percent: 80 },
  });
  await deliver('Nightly export completed', 'Done.', {
    collapseKey: 'task-7',
    data: { percent: '100' },
  });
  expect(await exited).toBe(0);
  const lines = out.trim().split('\n');
  expect(lines[0]).toBe('• Welcome - hello');
  expect(lines[1]).toMatch(
    /^ {2}Nightly export: 40%\s+\[#{8}\.{12}\] {2}40% {2}Copying files \(3 of 8\)$/,
  );
  expect(lines[2]).toMatch(/\[#{16}\.{4}\] {2}80%/);
  expect(lines[3]).toMatch(/^✔ Nightly export completed\s+\[#{20}\] 100% {2}Done\.$/);
});
