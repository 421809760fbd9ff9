import { sql } from 'kysely';
import { silentLogger } from '@herald/core';
import { ApiKeyStore, createDatabase } from '@herald/store';
import { createTestDatabase, stackEnv, type TestDatabase } from '@herald/testkit';
import { cliOn } from './cli-harness.js';

let testDb: TestDatabase;

const herald = cliOn(() => testDb.url);

beforeAll(async () => {
  testDb = await createTestDatabase(stackEnv().DATABASE_URL);
});

afterAll(() => testDb.drop());

it('herald tenants create|list, keys create|list|rotate|revoke: the key is shown once, stored as a hash', async () => {
  expect(await herald('tenants', 'create', 'acme', '--name', 'Acme Inc')).toBe(
    'created tenant acme (Acme Inc)\n',
  );
  await expect(herald('tenants', 'create', 'Bad Id')).rejects.toThrow(/HERALD_ERR_TENANT_INVALID/);
  expect(await herald('tenants', 'list')).toMatch(/^acme {2}Acme Inc {2}created /);
  await expect(herald('keys', 'create', '--tenant', 'nope', '--name', 'x')).rejects.toThrow(
    /no tenant "nope": create it first/,
  );
  await expect(
    herald('keys', 'create', '--tenant', 'acme', '--name', 'x', '--scopes', 'root'),
  ).rejects.toThrow(/scopes must be one or more of admin, publish, read, not root/);

  const created = await herald(
    'keys',
    'create',
    '--tenant',
    'acme',
    '--name',
    'ci',
    '--scopes',
    'publish,read',
  );
  const key = /^(hk_[a-z0-9]{12}_[A-Za-z0-9_-]{43})$/m.exec(created)![1]!;
  const prefix = key.slice(0, 15);
  expect(created).toContain(`${prefix}  acme  ci  publish,read  active  last used never`);
  expect(created).toContain('shown once');
  const db = createDatabase({ url: testDb.url, poolSize: 1, logger: silentLogger });
  try {
    expect((await new ApiKeyStore(db).verify(key))?.scopes).toEqual(['publish', 'read']);
    // Nothing in the database holds the secret.
    const dump = await sql<{ t: string }>`select row_to_json(k)::text as t from api_keys k`.execute(
      db,
    );
    expect(dump.rows.map((r) => r.t).join()).not.toContain(key.slice(16));

    const listed = await herald('keys', 'list', '--tenant', 'acme');
    expect(listed).toContain(prefix);
    expect(listed).not.toContain(key.slice(16));

    const rotated = await herald('keys', 'rotate', prefix);
    const next = /^(hk_\S+)$/m.exec(rotated)![1]!;
    expect(rotated).toContain(`(rotated from ${prefix})`);
    expect(await new ApiKeyStore(db).verify(key)).toBeUndefined();
    expect((await new ApiKeyStore(db).verify(next))?.name).toBe('ci');

    expect(await herald('keys', 'revoke', next.slice(0, 15))).toBe(
      `revoked ${next.slice(0, 15)}\n`,
    );
    expect(await new ApiKeyStore(db).verify(next)).toBeUndefined();
    await expect(herald('keys', 'revoke', next.slice(0, 15))).rejects.toThrow(/no active key/);
    const audit = await sql<{ action: string; actor: string }>`
      select action, actor from config_audit_log order by id`.execute(db);
    expect(audit.rows.map((r) => r.action)).toEqual([
      'tenants.create',
      'keys.create',
      'keys.rotate',
      'keys.revoke',
    ]);
    expect(new Set(audit.rows.map((r) => r.actor))).toEqual(new Set(['ci-bot']));
  } finally {
    await db.destroy();
  }
});
