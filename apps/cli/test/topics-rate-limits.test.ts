/**
 * `herald topics` and `herald rate-limits` against the real Postgres of the local
 * stack: the same operations as /v1 (`@herald/operations`), clear errors for a bad
 * key, an unknown topic and an invalid limit, --json output, and every write in
 * config_audit_log with HERALD_ACTOR.
 */
import { sql } from 'kysely';
import { silentLogger } from '@herald/core';
import { createDatabase, migrateToLatest, RecipientStore } from '@herald/store';
import { createTestDatabase, stackEnv, type TestDatabase } from '@herald/testkit';
import { cliOn } from './cli-harness.js';

let testDb: TestDatabase;
let db: ReturnType<typeof createDatabase>;

const herald = cliOn(() => testDb.url, 'ops-bot');

const json = async (...args: string[]) => JSON.parse(await herald(...args, '--json')) as unknown;

beforeAll(async () => {
  testDb = await createTestDatabase(stackEnv().DATABASE_URL);
  db = createDatabase({ url: testDb.url, poolSize: 1, logger: silentLogger });
  await migrateToLatest(db);
  const recipients = new RecipientStore(db);
  for (const [tenant, id] of [
    ['acme', 'alice'],
    ['acme', 'bob'],
    ['globex', 'carol'],
  ] as const)
    await recipients.upsert({ tenant, id, addresses: { email: `${id}@example.com` } });
}, 60_000);

afterAll(async () => {
  await db.destroy();
  await testDb.drop();
});

it('herald topics create|list|subscribers add|list|remove|delete', async () => {
  expect(await herald('topics', 'create', 'on-call', 'alice', '--tenant', 'acme')).toBe(
    'created topic on-call: 1 subscriber(s)\n  alice\n',
  );
  expect(await json('topics', 'subscribers', 'add', 'on-call', 'bob', '--tenant', 'acme')).toEqual({
    topic: 'on-call',
    subscribers: ['alice', 'bob'],
  });
  expect(await json('topics', 'list', '--tenant', 'acme')).toEqual({
    topics: [{ topic: 'on-call', subscribers: 2 }],
  });
  // Another tenant sees nothing of it.
  expect(await herald('topics', 'list', '--tenant', 'globex')).toBe('0 topic(s)\n');
  await expect(
    herald('topics', 'subscribers', 'list', 'on-call', '--tenant', 'globex'),
  ).rejects.toThrow(/HERALD_ERR_TOPIC_NOT_FOUND: tenant globex has no topic "on-call"/);
  expect(await herald('topics', 'subscribers', 'list', 'on-call', '--tenant', 'acme')).toBe(
    'on-call: 2 subscriber(s)\n  alice\n  bob\n',
  );
  expect(
    await herald('topics', 'subscribers', 'remove', 'on-call', 'alice', '--tenant', 'acme'),
  ).toBe('unsubscribed alice from on-call\n');
  expect(await json('topics', 'delete', 'on-call', '--tenant', 'acme')).toEqual({
    topic: 'on-call',
    deleted: true,
    unsubscribed: 1,
  });
  const { rows } = await sql<{ n: string }>`
    select count(*) as n from topic_subscribers where topic = 'on-call'`.execute(db);
  expect(rows[0]!.n).toBe('0');
});

it('herald topics refuses a bad key, an unknown topic, no or foreign subscribers, a second create', async () => {
  await expect(herald('topics', 'create', 'bad key!', 'alice', '--tenant', 'acme')).rejects.toThrow(
    /HERALD_ERR_TOPIC_INVALID: .*"bad key!" is not a topic key/,
  );
  await expect(herald('topics', 'create', 'sre', '--tenant', 'acme')).rejects.toThrow(
    /HERALD_ERR_TOPIC_INVALID: .*give one or more recipient ids/,
  );
  await expect(herald('topics', 'create', 'sre', 'carol', '--tenant', 'acme')).rejects.toThrow(
    /HERALD_ERR_RECIPIENT_INVALID: .*carol/,
  );
  await expect(herald('topics', 'delete', 'nope', '--tenant', 'acme')).rejects.toThrow(
    /HERALD_ERR_TOPIC_NOT_FOUND: tenant acme has no topic "nope"/,
  );
  await expect(
    herald('topics', 'subscribers', 'remove', 'nope', 'bob', '--tenant', 'acme'),
  ).rejects.toThrow(/HERALD_ERR_TOPIC_NOT_FOUND: .*subscriber "bob" of topic "nope"/);
  await herald('topics', 'create', 'sre', 'bob', '--tenant', 'acme');
  await expect(herald('topics', 'create', 'sre', 'alice', '--tenant', 'acme')).rejects.toThrow(
    /HERALD_ERR_TOPIC_INVALID: .*exists already/,
  );
});

it('herald rate-limits set|list|delete, stored pinned to the tenant', async () => {
  expect(
    await herald(
      'rate-limits',
      'set',
      'sms-per-user',
      '--tenant',
      'acme',
      '--scope',
      'recipient',
      '--channel',
      'sms',
      '--limit',
      '3',
      '--period',
      '1h',
      '--description',
      'no spam',
    ),
  ).toBe(
    'set sms-per-user  3 per 3600000 ms per recipient  channel sms  burst 1  defer  # no spam\n',
  );
  // set replaces the policy.
  expect(
    await json(
      'rate-limits',
      'set',
      'sms-per-user',
      '--tenant',
      'acme',
      '--scope',
      'recipient',
      '--limit',
      '5',
      '--period',
      '60000',
      '--action',
      'drop',
      '--no-bypass-critical',
    ),
  ).toMatchObject({
    id: 'sms-per-user',
    limit: 5,
    periodMs: 60_000,
    action: 'drop',
    bypassCritical: false,
  });
  expect(await json('rate-limits', 'list', '--tenant', 'acme')).toEqual({
    policies: [expect.objectContaining({ id: 'sms-per-user', limit: 5, channel: null })],
  });
  expect(await herald('rate-limits', 'list', '--tenant', 'globex')).toBe('0 policies\n');
  const row = await sql<{ id: string; tenant: string; limit: number }>`
    select id, tenant, "limit" from rate_limit_policies`.execute(db);
  expect(row.rows).toEqual([{ id: 'acme.sms-per-user', tenant: 'acme', limit: 5 }]);
  await expect(
    herald('rate-limits', 'delete', 'sms-per-user', '--tenant', 'globex'),
  ).rejects.toThrow(
    /HERALD_ERR_RATE_LIMIT_NOT_FOUND: tenant globex has no rate-limit policy "sms-per-user"/,
  );
  expect(await herald('rate-limits', 'delete', 'sms-per-user', '--tenant', 'acme')).toBe(
    'deleted policy sms-per-user\n',
  );
  expect(await herald('rate-limits', 'list', '--tenant', 'acme')).toBe('0 policies\n');
});

it("herald rate-limits --global writes policies for every tenant, apart from tenants' own", async () => {
  const set = (...extra: string[]) =>
    herald('rate-limits', 'set', 'sms-cap', '--global', '--scope', 'tenant', ...extra);
  expect(await set('--channel', 'sms', '--limit', '100', '--period', '1m')).toBe(
    'set sms-cap  100 per 60000 ms per tenant  channel sms  burst 1  defer\n',
  );
  // Stored under its bare id with no tenant: the workers apply it to every tenant's jobs.
  const rows = await sql<{ id: string; tenant: string | null }>`
    select id, tenant from rate_limit_policies where tenant is null`.execute(db);
  expect(rows.rows).toEqual([{ id: 'sms-cap', tenant: null }]);
  expect(await json('rate-limits', 'list', '--global')).toMatchObject({
    policies: [{ id: 'sms-cap', limit: 100, channel: 'sms' }],
  });
  // A tenant does not see it as its own, nor can it delete it.
  expect(await herald('rate-limits', 'list', '--tenant', 'acme')).not.toContain('sms-cap');
  await expect(herald('rate-limits', 'delete', 'sms-cap', '--tenant', 'acme')).rejects.toThrow(
    /HERALD_ERR_RATE_LIMIT_NOT_FOUND: tenant acme has no rate-limit policy "sms-cap"/,
  );
  // A global id with "." would read as a tenant's: refused. Exactly one owner is named.
  await expect(
    herald(
      'rate-limits',
      'set',
      'acme.x',
      '--global',
      '--scope',
      'tenant',
      '--limit',
      '1',
      '--period',
      '1s',
    ),
  ).rejects.toThrow(/id of a global policy must not contain "."/);
  await expect(herald('rate-limits', 'list')).rejects.toThrow(/--tenant <id>.*or --global/);
  await expect(herald('rate-limits', 'list', '--global', '--tenant', 'acme')).rejects.toThrow(
    /--tenant <id>.*or --global/,
  );
  expect(await herald('rate-limits', 'delete', 'sms-cap', '--global')).toBe(
    'deleted policy sms-cap\n',
  );
  await expect(herald('rate-limits', 'delete', 'sms-cap', '--global')).rejects.toThrow(
    /the global set has no rate-limit policy "sms-cap"/,
  );
});

it('herald rate-limits refuses an invalid limit, period, scope or id and stores nothing', async () => {
  const set = (...extra: string[]) =>
    herald('rate-limits', 'set', 'p1', '--tenant', 'acme', '--scope', 'tenant', ...extra);
  await expect(set('--limit', '0', '--period', '1m')).rejects.toThrow(
    /HERALD_ERR_RATE_LIMIT_INVALID: rate-limit policy refused: limit must be a whole number of at least 1, not 0/,
  );
  await expect(set('--limit', 'ten', '--period', '1m')).rejects.toThrow(
    /limit must be a whole number/,
  );
  await expect(set('--limit', '1', '--period', 'soon')).rejects.toThrow(
    /periodMs must be a whole number/,
  );
  await expect(
    herald(
      'rate-limits',
      'set',
      'p1',
      '--tenant',
      'acme',
      '--scope',
      'planet',
      '--limit',
      '1',
      '--period',
      '1s',
    ),
  ).rejects.toThrow(/scope must be one of recipient, channel, provider, tenant, not "planet"/);
  await expect(
    herald(
      'rate-limits',
      'set',
      '.x',
      '--tenant',
      'acme',
      '--scope',
      'tenant',
      '--limit',
      '1',
      '--period',
      '1s',
    ),
  ).rejects.toThrow(/HERALD_ERR_RATE_LIMIT_INVALID: .*id must be/);
  const { rows } = await sql<{ n: string }>`select count(*) as n from rate_limit_policies`.execute(
    db,
  );
  expect(rows[0]!.n).toBe('0');
});

it('every write is in config_audit_log with HERALD_ACTOR', async () => {
  const { rows } = await sql<{ action: string; actor: string }>`
    select action, actor from config_audit_log order by id`.execute(db);
  expect(rows.map((r) => r.action)).toEqual([
    'topics.create',
    'topics.subscribe',
    'topics.unsubscribe',
    'topics.delete',
    'topics.create',
    'rate_limit_policies.upsert',
    'rate_limit_policies.upsert',
    'rate_limit_policies.delete',
    // the global policy's
    'rate_limit_policies.upsert',
    'rate_limit_policies.delete',
  ]);
  expect(new Set(rows.map((r) => r.actor))).toEqual(new Set(['ops-bot']));
});
