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

describe('RecipientCache topics', () => {
  it('loads a topic’s members, then them as recipients; both cached per TTL', async () => {
    const queries: string[] = [];
    const bob: Recipient = { id: 'bob', tenant: 'acme', addresses: { email: 'b@example.com' } };
    const people = new Map([
      ['alice', alice],
      ['bob', bob],
    ]);
    const source = {
      async getMany(tenant: string, ids: readonly string[]) {
        queries.push(`${tenant}:${ids.join(',')}`);
        return new Map(
          ids.filter((id) => people.has(id)).map((id) => [id, people.get(id)!] as const),
        );
      },
      async tenantPreferences() {
        return undefined;
      },
      async topicMembers(tenant: string, topics: readonly string[]) {
        queries.push(`topics:${tenant}:${topics.join(',')}`);
        return new Map(
          topics.filter((t) => t === 'on-call').map((t) => [t, ['alice', 'bob']] as const),
        );
      },
    };
    const clock = { t: 0 };
    const c = new RecipientCache(source, { ttlMs: 1_000, maxEntries: 10, now: () => clock.t });
    const refs = [
      { tenant: 'acme', ref: 'topic:on-call' },
      { tenant: 'acme', ref: 'topic:nobody' },
    ];
    await c.load(refs);
    await c.load(refs);
    // Topic refs are never looked up as recipient ids.
    expect(queries).toEqual(['topics:acme:on-call,nobody', 'acme:alice,bob']);
    expect(c.topicMembers('on-call', 'acme')).toEqual(['alice', 'bob']);
    expect(c.topicMembers('nobody', 'acme')).toEqual([]);
    expect(c.topicMembers('on-call', 'globex')).toBeUndefined();
    expect(c.resolve('bob', 'acme')).toEqual(bob);
  });

  it('without topics in the source, a topic ref loads nothing and stays unknown', async () => {
    const { cache: c, queries } = cache({ t: 0 });
    await c.load([{ tenant: 'acme', ref: 'topic:on-call' }]);
    expect(queries).toEqual([]);
    expect(c.topicMembers('on-call', 'acme')).toBeUndefined();
  });
});
