/**
 * `herald rules test` shows what digest, delay and cancel would do; `rules apply
 * --dry-run` refuses bad ones with file:line:column and writes nothing; `herald cancel`
 * writes the mark the worker checks (issue 16).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@herald/core';
import { CancelStore, createDatabase, migrateToLatest, RuleStore } from '@herald/store';
import { createTestDatabase, stackEnv, type TestDatabase } from '@herald/testkit';
import { cliOn, writeTemp } from './cli-harness.js';

let testDb: TestDatabase;
let dir: string;

const herald = cliOn(() => testDb.url);

const file = (name: string, text: string) => writeTemp(dir, name, text);

const rules = `rules:
  - id: comments
    types: [comment.created]
    recipients: '[{"id": "alice", "email": "alice@example.com"}]'
    channels:
      - type: email
        template: comment
        digest: { key: event.data.postId, window: 10m, max: 50, template: comment-digest }
  - id: cart
    types: [checkout.started]
    recipients: '[{"id": "alice", "email": "alice@example.com"}]'
    cancel: { on: "event.type == 'checkout.completed'", key: "'cart:' + event.data.cartId" }
    channels:
      - { type: email, template: reminder, delay: 24h }
`;

const event = (type: string, data: unknown) =>
  JSON.stringify({
    specversion: '1.0',
    id: `evt-${type}`,
    source: '/shop',
    type,
    time: '2026-01-10T12:00:00Z',
    tenantid: 'acme',
    data,
  });

beforeAll(async () => {
  testDb = await createTestDatabase(stackEnv().DATABASE_URL);
  const db = createDatabase({ url: testDb.url, poolSize: 1, logger: silentLogger });
  await migrateToLatest(db);
  await db.destroy();
  dir = await mkdtemp(join(tmpdir(), 'herald-workflow-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await testDb?.drop();
});

it('rules test shows the digest, the delay, the cancellation key and what an event cancels', async () => {
  const f = await file('rules.yaml', rules);
  const test = async (type: string, data: unknown) =>
    (
      await herald(
        'rules',
        'test',
        '-f',
        f,
        '--event',
        await file(`${type}.json`, event(type, data)),
        '--no-database',
      )
    ).split('workflow:\n')[1];
  expect(await test('comment.created', { postId: 'p-1' })).toBe(
    '  comments email alice: collected into a digest, key "p-1", window 600000 ms from the digest\'s first item, or at 50 items; sent as one message with template comment-digest\n',
  );
  expect(await test('checkout.started', { cartId: 'c-1' })).toMatch(
    /^ {2}cart email alice: waits until \d{4}-.+Z\n {2}cart email alice: cancellable with key "cart:c-1"\n$/,
  );
  expect(await test('checkout.completed', { cartId: 'c-1' })).toBe(
    '  cancels: pending notifications with key "cart:c-1" in tenant acme (rule cart)\n',
  );
});

it('rules apply --dry-run refuses a bad digest, delay or cancel with positions, writing nothing', async () => {
  const bad = await file(
    'bad.yaml',
    rules
      .replace('window: 10m, max: 50', 'window: soon, max: 0')
      .replace(', key: "\'cart:\' + event.data.cartId"', ''),
  );
  await expect(herald('rules', 'apply', '-f', bad, '--dry-run')).rejects.toThrow(
    /bad\.yaml:8:51: rule comments: channels\.0\.digest\.window: must be a duration[\s\S]*bad\.yaml:8:62: rule comments: channels\.0\.digest\.max: must be at least 1[\s\S]*bad\.yaml:12:13: rule cart: cancel\.key: is required/,
  );
  const db = createDatabase({ url: testDb.url, poolSize: 1, logger: silentLogger });
  try {
    expect(await new RuleStore(db).latestVersion()).toBe(0);
  } finally {
    await db.destroy();
  }
});

it('herald cancel writes the mark a pending job is checked against', async () => {
  expect(
    await herald('cancel', '--key', 'cart:c-9', '--tenant', 'acme', '--id', 'support-42'),
  ).toBe(
    'cancelled key "cart:c-9" in tenant acme (event support-42): pending notifications with it will not be sent\n',
  );
  const db = createDatabase({ url: testDb.url, poolSize: 1, logger: silentLogger });
  try {
    const job = { notificationId: 'n1', attempt: 1, tenant: 'acme', cancelKey: 'cart:c-9' };
    expect(
      await new CancelStore(db).decide({ ...job, plannedAt: '2026-01-01T00:00:00Z' }, new Date()),
    ).toEqual({ decision: 'cancelled', eventId: 'support-42' });
  } finally {
    await db.destroy();
  }
  await expect(herald('cancel', '--key', ' ')).rejects.toThrow(/HERALD_ERR_CANCEL_INVALID/);
});
