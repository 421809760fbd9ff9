import type { Kysely } from 'kysely';
import { isHeraldError } from '@herald/core';
import { RecipientStore, RuleStore, type HeraldDatabase } from '@herald/store';
import { migratedDatabase } from './migrated-database.js';

let db: Kysely<HeraldDatabase>;
let store: RuleStore;

migratedDatabase((created) => {
  db = created;
  store = new RuleStore(db);
});

const rule = (id: string, when: string) => ({ id, definition: { id, when, channels: ['email'] } });

describe('RuleStore', () => {
  it('versions every apply, revises only changed rules, audits, and rolls back as a new version', async () => {
    expect(await store.latestVersion()).toBe(0);
    expect(await store.load()).toBeUndefined();

    const dry = await store.apply({
      source: 'v1',
      sourceName: 'rules.yaml',
      rules: [rule('a', 'true'), rule('b', 'true')],
      actor: 'alice',
      dryRun: true,
    });
    expect(dry).toMatchObject({ applied: false, version: 0, diff: { added: ['a', 'b'] } });
    expect(await store.latestVersion()).toBe(0);

    const v1 = await store.apply({
      source: 'v1',
      sourceName: 'rules.yaml',
      rules: [rule('a', 'true'), rule('b', 'true')],
      actor: 'alice',
    });
    expect(v1).toEqual({
      applied: true,
      previousVersion: 0,
      version: 1,
      diff: { added: ['a', 'b'], changed: [], removed: [] },
      revisions: { a: 1, b: 1 },
    });

    // Key order does not make a change; nothing changed → no new version.
    const same = await store.apply({
      source: 'v1 again',
      sourceName: 'rules.yaml',
      rules: [
        { id: 'a', definition: { channels: ['email'], when: 'true', id: 'a' } },
        rule('b', 'true'),
      ],
      actor: 'bob',
    });
    expect(same).toMatchObject({ applied: false, version: 1 });

    const v2 = await store.apply({
      source: 'v2',
      sourceName: 'rules.yaml',
      rules: [rule('a', 'false'), rule('c', 'true')],
      actor: 'bob',
      expectedVersion: 1,
    });
    expect(v2).toEqual({
      applied: true,
      previousVersion: 1,
      version: 2,
      diff: { added: ['c'], changed: ['a'], removed: ['b'] },
      revisions: { a: 2, c: 1 },
    });

    await expect(
      store.apply({ source: 'x', sourceName: 'x', rules: [], actor: 'eve', expectedVersion: 1 }),
    ).rejects.toThrow(/HERALD_ERR_RULES_CONFLICT.*expected version 1, found 2/);

    expect(await store.load()).toMatchObject({
      version: 2,
      source: 'v2',
      revisions: { a: 2, c: 1 },
      appliedBy: 'bob',
    });
    expect((await store.list()).map((r) => [r.id, r.revision])).toEqual([
      ['a', 2],
      ['c', 1],
    ]);

    const old = await store.sourceOf(1);
    const v3 = await store.apply({
      ...old,
      rules: [rule('a', 'true'), rule('b', 'true')],
      actor: 'carol',
      rollbackOf: 1,
    });
    // a returns to v1's definition as a new revision: history only grows.
    expect(v3).toMatchObject({
      version: 3,
      diff: { added: ['b'], changed: ['a'], removed: ['c'] },
      revisions: { a: 3, b: 2 },
    });

    const history = await store.history();
    expect(history.map((h) => [h.version, h.kind, h.rolledBackFrom, h.appliedBy])).toEqual([
      [3, 'rollback', 1, 'carol'],
      [2, 'apply', null, 'bob'],
      [1, 'apply', null, 'alice'],
    ]);
    const b = await store.ruleHistory('b');
    expect(b.map((e) => [e.kind, e.setVersion])).toEqual([
      ['revision', 1],
      ['removed', 2],
      ['revision', 3],
    ]);

    const audit = await db
      .withTables<{
        config_audit_log: { actor: string; action: string; version: number; details: unknown };
      }>()
      .selectFrom('config_audit_log')
      .select(['actor', 'action', 'version', 'details'])
      .orderBy('version')
      .execute();
    expect(audit).toEqual([
      expect.objectContaining({ actor: 'alice', action: 'rules.apply', version: 1 }),
      expect.objectContaining({
        actor: 'bob',
        action: 'rules.apply',
        version: 2,
        details: expect.objectContaining({ changed: ['a'], removed: ['b'], previousVersion: 1 }),
      }),
      expect.objectContaining({
        actor: 'carol',
        action: 'rules.rollback',
        version: 3,
        details: expect.objectContaining({ rollbackOf: 1 }),
      }),
    ]);

    const missing = await store.sourceOf(42).catch((e: unknown) => e);
    expect(isHeraldError(missing, 'HERALD_ERR_RULES_VERSION_NOT_FOUND')).toBe(true);
  });

  it('serialises concurrent applies: each gets its own version', async () => {
    const start = await store.latestVersion();
    const results = await Promise.all(
      [1, 2, 3].map((n) =>
        store.apply({
          source: `c${n}`,
          sourceName: 'c.yaml',
          rules: [rule('c', `${n} == ${n}`)],
          actor: `w${n}`,
        }),
      ),
    );
    expect(results.map((r) => r.version).sort()).toEqual([start + 1, start + 2, start + 3]);
  });
});

describe('RecipientStore', () => {
  it('stores recipients with validated addresses and preferences; tenant defaults', async () => {
    const recipients = new RecipientStore(db);
    await recipients.upsert({
      tenant: 'acme',
      id: 'alice',
      addresses: { email: 'alice@example.com', sms: '+4915112345678', push: 'tok-1' },
      locale: 'de-DE',
      timezone: 'Europe/Berlin',
      attributes: { team: 'sales' },
      preferences: { channels: { sms: false } },
    });
    await recipients.upsert({
      tenant: 'other',
      id: 'alice',
      addresses: { email: 'a@other.example' },
    });
    const found = await recipients.getMany('acme', ['alice', 'nobody', 'alice']);
    expect([...found.keys()]).toEqual(['alice']);
    expect(found.get('alice')).toEqual({
      tenant: 'acme',
      id: 'alice',
      addresses: { email: 'alice@example.com', sms: '+4915112345678', push: 'tok-1' },
      locale: 'de-DE',
      timezone: 'Europe/Berlin',
      attributes: { team: 'sales' },
      preferences: { channels: { sms: false } },
    });

    // An upsert replaces the addresses.
    await recipients.upsert({ tenant: 'acme', id: 'alice', addresses: { slack: 'U123' } });
    expect((await recipients.getMany('acme', ['alice'])).get('alice')).toEqual({
      tenant: 'acme',
      id: 'alice',
      addresses: { slack: 'U123' },
      attributes: {},
    });

    // Stored addresses are normalised, and a list or a line break is refused (issue 12).
    await recipients.upsert({
      tenant: 'acme',
      id: 'carol',
      addresses: { email: ' Carol@Example.COM ', sms: '+49 151 1234 5678' },
    });
    expect((await recipients.getMany('acme', ['carol'])).get('carol')?.addresses).toEqual({
      email: 'Carol@example.com',
      sms: '+4915112345678',
    });
    await expect(
      recipients.upsert({
        tenant: 'acme',
        id: 'eve',
        addresses: { email: 'eve@x.test\r\nBcc: victim@x.test' },
      }),
    ).rejects.toThrow(
      'email address "eve@x.test\\r\\nBcc: victim@x.test" contains a line break or other control character',
    );
    expect(await recipients.delete('acme', 'carol')).toBe(true);

    await expect(
      recipients.upsert({
        tenant: 'acme',
        id: 'bob',
        addresses: { sms: '015112345678', email: 'nope', webhook: 'ftp://x' },
        timezone: 'Mars/Olympus',
      }),
    ).rejects.toThrow(
      /HERALD_ERR_RECIPIENT_INVALID: recipient bob \(tenant acme\) is invalid: sms address "015112345678" is not an international phone number.*email address "nope" has no "@".*webhook address "ftp:\/\/x" is a ftp: URL.*timezone "Mars\/Olympus"/,
    );
    expect((await recipients.getMany('acme', ['bob'])).size).toBe(0);

    expect(await recipients.tenantPreferences('acme')).toBeUndefined();
    await recipients.setTenantPreferences('acme', { categories: { marketing: false } });
    expect(await recipients.tenantPreferences('acme')).toEqual({
      categories: { marketing: false },
    });
    await recipients.setTenantPreferences('acme', null);
    expect(await recipients.tenantPreferences('acme')).toBeUndefined();
    expect(await recipients.delete('acme', 'alice')).toBe(true);
    expect((await recipients.getMany('acme', ['alice'])).size).toBe(0);
  });

  it('stores Mattermost and Google Chat webhook URLs (migration 0008)', async () => {
    const recipients = new RecipientStore(db);
    const addresses = {
      mattermost: 'https://chat.acme.test/hooks/abc123',
      googlechat: 'https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t',
    };
    await recipients.upsert({ tenant: 'acme', id: 'ops', addresses });
    expect((await recipients.getMany('acme', ['ops'])).get('ops')?.addresses).toEqual(addresses);
  });
});
