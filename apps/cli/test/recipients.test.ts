/**
 * `herald recipients upsert|get|delete` against the real Postgres of the local stack:
 * the same operations as /v1/recipients (`@herald/operations`), a YAML file upserted in
 * bulk, a bad entry anywhere storing none (named by its place in the file), tenants kept
 * apart, and every write in config_audit_log.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { silentLogger } from '@herald/core';
import { createDatabase, migrateToLatest } from '@herald/store';
import { createTestDatabase, stackEnv, type TestDatabase } from '@herald/testkit';
import { cliOn, writeTemp } from './cli-harness.js';

let testDb: TestDatabase;
let db: ReturnType<typeof createDatabase>;
let dir: string;
const herald = cliOn(() => testDb.url, 'support-bot');
const file = (name: string, text: string) => writeTemp(dir, name, text);

beforeAll(async () => {
  testDb = await createTestDatabase(stackEnv().DATABASE_URL);
  db = createDatabase({ url: testDb.url, poolSize: 1, logger: silentLogger });
  await migrateToLatest(db);
  dir = await mkdtemp(join(tmpdir(), 'herald-recipients-cli-'));
});

afterAll(async () => {
  await db.destroy();
  await testDb.drop();
  await rm(dir, { recursive: true, force: true });
});

const count = async () =>
  Number((await sql<{ n: string }>`select count(*) as n from recipients`.execute(db)).rows[0]!.n);

it('upserts a YAML file in bulk, gets one as text and JSON, deletes it; tenants apart', async () => {
  const path = await file(
    'people.yaml',
    `recipients:
  - id: alice
    addresses: { email: alice@example.com, sms: "+4915112345678" }
    timezone: Europe/Berlin
    preferences: { channels: { sms: false } }
  - id: bob
    addresses: { email: bob@example.com }
`,
  );
  expect(await herald('recipients', 'upsert', '--tenant', 'acme', '--file', path)).toBe(
    'upserted 2 recipient(s): alice, bob\n',
  );
  expect(await herald('recipients', 'get', 'alice', '--tenant', 'acme')).toBe(
    [
      'alice',
      '  email: alice@example.com',
      '  sms: +4915112345678',
      '  timezone: Europe/Berlin',
      '  preferences: {"channels":{"sms":false}}',
      '',
    ].join('\n'),
  );
  expect(
    JSON.parse(await herald('recipients', 'get', 'bob', '--tenant', 'acme', '--json')),
  ).toEqual({ id: 'bob', addresses: { email: 'bob@example.com' }, attributes: {} });
  // Another tenant's recipient is not there for globex, to read or to delete.
  await expect(herald('recipients', 'get', 'alice', '--tenant', 'globex')).rejects.toThrow(
    'tenant globex has no recipient "alice"',
  );
  await expect(herald('recipients', 'delete', 'alice', '--tenant', 'globex')).rejects.toThrow(
    'tenant globex has no recipient "alice"',
  );
  // A JSON list works too (YAML reads JSON), and upsert replaces the addresses exactly.
  const again = await file('bob.json', JSON.stringify([{ id: 'bob', addresses: {} }]));
  expect(
    JSON.parse(await herald('recipients', 'upsert', '--tenant', 'acme', '--file', again, '--json')),
  ).toEqual({ upserted: 1 });
  expect(
    JSON.parse(await herald('recipients', 'get', 'bob', '--tenant', 'acme', '--json')),
  ).toEqual({ id: 'bob', addresses: {}, attributes: {} });
  expect(await herald('recipients', 'delete', 'bob', '--tenant', 'acme')).toBe(
    'deleted recipient bob\n',
  );
  expect(await count()).toBe(1);
});

it('refuses a bad entry anywhere in the file, naming where, and stores none of them', async () => {
  const before = await count();
  const unknownChannel = await file(
    'bad-channel.yaml',
    `- id: carol\n  addresses: { email: carol@example.com }\n- id: dave\n  addresses: { fax: "123" }\n`,
  );
  await expect(
    herald('recipients', 'upsert', '--tenant', 'acme', '--file', unknownChannel),
  ).rejects.toThrow(
    /HERALD_ERR_RECIPIENT_INVALID: recipient recipients\[1\]\.addresses\.fax \(tenant acme\) is invalid: not a channel/,
  );
  const badPhone = await file(
    'bad-phone.yaml',
    `- id: carol\n  addresses: { email: carol@example.com }\n- id: dave\n  addresses: { sms: "0151 nope" }\n`,
  );
  await expect(
    herald('recipients', 'upsert', '--tenant', 'acme', '--file', badPhone),
  ).rejects.toThrow(
    /HERALD_ERR_RECIPIENT_INVALID: recipient dave \(tenant acme\) is invalid: .*sms/,
  );
  const notYaml = await file('broken.yaml', 'recipients: [ {id: x\n');
  await expect(
    herald('recipients', 'upsert', '--tenant', 'acme', '--file', notYaml),
  ).rejects.toThrow(/not readable as YAML or JSON/);
  const empty = await file('empty.yaml', 'recipients: []\n');
  await expect(herald('recipients', 'upsert', '--tenant', 'acme', '--file', empty)).rejects.toThrow(
    /expected a non-empty list/,
  );
  expect(await count()).toBe(before); // carol was stored in neither attempt
});

it('every write is in config_audit_log with HERALD_ACTOR', async () => {
  const { rows } = await sql<{ action: string; actor: string; entity_id: string }>`
    select action, actor, entity_id from config_audit_log order by id`.execute(db);
  expect(rows).toEqual([
    { action: 'recipients.upsert', actor: 'support-bot', entity_id: '2 recipients' },
    { action: 'recipients.upsert', actor: 'support-bot', entity_id: 'bob' },
    { action: 'recipients.delete', actor: 'support-bot', entity_id: 'bob' },
  ]);
});
