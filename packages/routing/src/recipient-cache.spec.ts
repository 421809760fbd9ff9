import type { Preferences, Recipient } from '@herald/rules';
import { RecipientCache, recipientSource } from './recipient-cache.js';

const alice: Recipient = { id: 'alice', tenant: 'acme', addresses: { email: 'a@example.com' } };

function cache(clock: { t: number }, maxEntries = 10) {
  const queries: string[] = [];
  const source = {
    async getMany(tenant: string, ids: readonly string[]) {
      queries.push(`${tenant}:${ids.join(',')}`);
      return new Map(ids.filter((id) => id === 'alice').map((id) => [id, alice] as const));
    },
    async tenantPreferences(tenant: string): Promise<Preferences | undefined> {
      queries.push(`prefs:${tenant}`);
      return { channels: { sms: false } };
    },
  };
  return {
    queries,
    cache: new RecipientCache(source, { ttlMs: 1_000, maxEntries, now: () => clock.t }),
  };
}

describe('RecipientCache', () => {
  it('loads missing ids once per TTL, caching unknown ids as absent', async () => {
    const clock = { t: 0 };
    const { cache: c, queries } = cache(clock);
    const refs = [
      { tenant: 'acme', ref: 'alice' },
      { tenant: 'acme', ref: 'nobody' },
    ];
    await c.load(refs);
    await c.load(refs);
    expect(queries).toEqual(['acme:alice,nobody', 'prefs:acme']);
    expect(c.resolve('alice', 'acme')).toEqual(alice);
    expect(c.resolve('nobody', 'acme')).toBeUndefined();
    expect(c.tenantPreferences('acme')).toEqual({ channels: { sms: false } });
    clock.t = 1_001;
    await c.load(refs);
    expect(queries).toHaveLength(4);
  });

  it('evicts the least recently used entry past maxEntries', async () => {
    const { cache: c } = cache({ t: 0 }, 2);
    await c.load([
      { tenant: 'acme', ref: 'alice' },
      { tenant: 'acme', ref: 'b' },
    ]);
    c.resolve('alice', 'acme');
    await c.load([{ tenant: 'acme', ref: 'c' }]);
    expect(c.size).toBe(2);
    expect(c.resolve('alice', 'acme')).toEqual(alice);
  });
});

describe('recipientSource', () => {
  it('turns stored rows into recipients', async () => {
    const source = recipientSource({
      getMany: async () =>
        new Map([['bob', { addresses: { sms: '+4915112345678' }, locale: 'de', preferences: {} }]]),
      tenantPreferences: async () => undefined,
    });
    expect([...(await source.getMany('acme', ['bob']))]).toEqual([
      [
        'bob',
        {
          id: 'bob',
          tenant: 'acme',
          addresses: { sms: '+4915112345678' },
          locale: 'de',
          preferences: {},
        },
      ],
    ]);
  });
});
