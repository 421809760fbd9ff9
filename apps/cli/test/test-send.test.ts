/**
 * `herald test-send` and `herald templates rollback` on the real Postgres, sending
 * through the real webhook provider to a local receiver: the same operations as
 * POST /v1/test-send and POST /v1/templates/{id}/rollback.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { sql } from 'kysely';
import { buildCli, parseCliEnv } from '@herald/cli';
import { silentLogger } from '@herald/core';
import { createDatabase } from '@herald/store';
import {
  createTestDatabase,
  startReceiver,
  stackEnv,
  type Receiver,
  type TestDatabase,
} from '@herald/testkit';

const SECRET = `whsec_${Buffer.from('cli-test-send-webhook-signing-key').toString('base64')}`;
let testDb: TestDatabase;
let dir: string;
let receiver: Receiver;

async function herald(...args: string[]): Promise<string> {
  const env = parseCliEnv({
    DATABASE_URL: testDb.url,
    HERALD_ACTOR: 'ci-bot',
    HERALD_WEBHOOK_SECRETS: JSON.stringify({ default: SECRET }),
    HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  });
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  await buildCli(env, silentLogger, out).parseAsync(['node', 'herald', ...args]);
  return text;
}

async function templates(body: string): Promise<string> {
  const path = join(dir, `t-${Date.now()}-${Math.random()}.yaml`);
  await writeFile(
    path,
    `templates:\n  - id: order-hook\n    channel: webhook\n    parts:\n      body:\n        text: "${body}"\n`,
  );
  return path;
}

beforeAll(async () => {
  testDb = await createTestDatabase(stackEnv().DATABASE_URL);
  dir = await mkdtemp(join(tmpdir(), 'herald-test-send-cli-'));
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver?.close();
  await rm(dir, { recursive: true, force: true });
  await testDb?.drop();
});

it('test-send renders a stored template and prints the provider answer', async () => {
  await herald('templates', 'apply', '-f', await templates('Order {{order}} shipped'));
  const out = await herald(
    'test-send',
    '--channel',
    'webhook',
    '--to',
    `${receiver.url}/hook`,
    '--template',
    'order-hook',
    '--data',
    '{"order":"A-1"}',
  );
  expect(JSON.parse(out)).toMatchObject({
    status: 'sent',
    provider: 'webhook',
    providerStatus: 204,
    template: { id: 'order-hook', version: 1 },
  });
  expect(JSON.parse(receiver.requests.at(-1)!.body)).toEqual({ text: 'Order A-1 shipped' });
  expect(out).not.toContain(SECRET);
});

it('test-send refuses a bad address before sending', async () => {
  const before = receiver.requests.length;
  await expect(
    herald('test-send', '--channel', 'webhook', '--to', 'not a url', '--template', 'order-hook'),
  ).rejects.toThrow(/HERALD_ERR_ADDRESS_INVALID/);
  expect(receiver.requests.length).toBe(before);
});

it('templates rollback saves the old version as a new one, in the audit log', async () => {
  await herald('templates', 'apply', '-f', await templates('Order {{order}} is on its way'));
  expect(await herald('templates', 'rollback', 'order-hook', '--version', '1')).toContain(
    'rolled back order-hook to version 1',
  );
  const db = createDatabase({ url: testDb.url, poolSize: 1, logger: silentLogger });
  try {
    const { rows } = await sql<{ version: number; parts: unknown }>`
      select version, parts from template_versions where id = 'order-hook' order by version`.execute(
      db,
    );
    expect(rows.map((r) => r.version)).toEqual([1, 2, 3]);
    expect(rows[2]!.parts).toEqual(rows[0]!.parts);
    const audit = await sql<{ action: string; actor: string }>`
      select action, actor from config_audit_log where action = 'templates.rollback'`.execute(db);
    expect(audit.rows).toEqual([{ action: 'templates.rollback', actor: 'ci-bot' }]);
  } finally {
    await db.destroy();
  }
  await expect(herald('templates', 'rollback', 'order-hook', '--version', '9')).rejects.toThrow(
    /HERALD_ERR_TEMPLATE_VERSION_NOT_FOUND/,
  );
});
