import type { Kysely } from 'kysely';
import { HeraldError, silentLogger } from '@herald/core';
import { createTestDatabase, stackEnv, type TestDatabase } from '@herald/testkit';
import { createDatabase, migrateToLatest, RuleStore, type HeraldDatabase } from '@herald/store';
import {
  applyRuleSource,
  applyTenantRules,
  rollbackTenantRules,
  tenantRules,
} from '@herald/operations';

// The one implementation of rule applies that `herald rules apply` and `POST /v1/rules`
// share, against a migrated database of this file's own.

let testDb: TestDatabase;
let db: Kysely<HeraldDatabase>;
beforeAll(async () => {
  testDb = await createTestDatabase(stackEnv().DATABASE_URL);
  db = createDatabase({ url: testDb.url, poolSize: 2, logger: silentLogger });
  await migrateToLatest(db);
});
afterAll(async () => {
  await db?.destroy();
  await testDb?.drop();
});

const rule = (id: string, tenant: string, type: string) => `  - id: ${id}
    tenant: ${tenant}
    when: event.type == "${type}"
    recipients: '["ops"]'
    channels:
      - type: webhook
        template: t
`;

it('versions a file’s inhibition rules with its rules, so changing only them makes a version', async () => {
  const base = `rules:\n${rule('acme.a', 'acme', 'order.failed')}`;
  const withInhibit = `${base}inhibit:
  - source: ['type="node.down"']
    target: ['type="order.failed"']
    equal: [service]
    window: 30m
`;
  const first = await applyRuleSource(db, { source: base, sourceName: 'r.yaml', actor: 'spec' });
  expect(first.result.applied).toBe(true);
  const second = await applyRuleSource(db, {
    source: withInhibit,
    sourceName: 'r.yaml',
    actor: 'spec',
  });
  expect(second.result.applied).toBe(true);
  expect(second.result.diff.added).toEqual(['@inhibit']);
  const stored = await new RuleStore(db).list(second.result.version);
  expect(stored.map((r) => r.id).sort()).toEqual(['@inhibit', 'acme.a']);
});

it('applies a tenant’s rules without touching another tenant’s, and refuses rules outside it', async () => {
  await applyTenantRules(db, 'globex', {
    source: `rules:\n${rule('globex.g', 'globex', 'invoice.paid')}`,
    sourceName: 'globex.yaml',
    actor: 'spec',
  });
  const acmeBefore = await tenantRules(db, 'acme');
  const applied = await applyTenantRules(db, 'acme', {
    source: `rules:\n${rule('acme.a', 'acme', 'order.failed')}${rule('acme.b', 'acme', 'order.paid')}`,
    sourceName: 'acme.yaml',
    actor: 'spec',
  });
  expect(applied.diff).toEqual({ added: ['acme.b'], changed: [], removed: [] });
  expect((await tenantRules(db, 'globex')).rules.map((r) => r.id)).toEqual(['globex.g']);

  const refused = applyTenantRules(db, 'acme', {
    source: `rules:\n${rule('globex.g', 'globex', 'invoice.paid')}`,
    sourceName: 'evil.yaml',
    actor: 'spec',
  });
  await expect(refused).rejects.toBeInstanceOf(HeraldError);
  await expect(refused).rejects.toMatchObject({ code: 'HERALD_ERR_RULES_TENANT' });
  expect((await tenantRules(db, 'globex')).rules.map((r) => r.id)).toEqual(['globex.g']);

  // Rolling acme back to its earlier version removes acme.b only.
  await rollbackTenantRules(db, 'acme', acmeBefore.version, { actor: 'spec' });
  expect((await tenantRules(db, 'acme')).rules.map((r) => r.id)).toEqual(['acme.a']);
  expect((await tenantRules(db, 'globex')).rules.map((r) => r.id)).toEqual(['globex.g']);
});
