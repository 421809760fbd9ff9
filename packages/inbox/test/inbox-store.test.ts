/**
 * InboxStore against the local stack's Postgres, in a database of this file's own:
 * sequences under concurrency, idempotency, collapse, resume, feed pages, filters,
 * counts, marks and deletes. The clock is injected, so the month partitions do not
 * depend on the date the test runs.
 */
import type { Kysely } from 'kysely';
import { isHeraldError, silentLogger } from '@herald/core';
import { InboxStore, type InboxMessageInput } from '@herald/inbox';
import { createDatabase, migrateToLatest, type HeraldDatabase } from '@herald/store';
import { testRun } from '@herald/testkit';

const run = testRun('inbox-store-test');
let db: Kysely<HeraldDatabase>;
let store: InboxStore;
let clock = new Date('2026-11-30T23:59:00.000Z');

beforeAll(async () => {
  const { url } = await run.database();
  db = createDatabase({ url, poolSize: 8, logger: silentLogger });
  run.defer(() => db.destroy());
  await migrateToLatest(db);
  store = new InboxStore(db, { now: () => clock });
});
afterAll(() => run.stop());

let counter = 0;
const input = (over: Partial<InboxMessageInput> = {}): InboxMessageInput => ({
  tenant: 'acme',
  subscriber: 'alice',
  notificationId: `n-${++counter}`,
  title: `title ${counter}`,
  body: 'body',
  event: { id: `e-${counter}`, type: 'task.progress', time: '2026-11-30T23:00:00.000Z' },
  rule: { id: 'tasks', version: 1 },
  attempt: 1,
  ...over,
});

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return isHeraldError(err) ? err.code : String(err);
  }
  return 'no error';
};

describe('append', () => {
  it('gives one subscriber strictly increasing, gap-free seqs under concurrent appends', async () => {
    const who = { subscriber: 'concurrent' };
    const results = await Promise.all(Array.from({ length: 40 }, () => store.append(input(who))));
    const seqs = results.map((r) => r.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await store.latestSeq('acme', 'concurrent')).toBe(40);
    // Another subscriber (and another tenant) counts on its own.
    expect((await store.append(input({ subscriber: 'bob' }))).seq).toBe(1);
    expect((await store.append(input({ tenant: 'other', subscriber: 'concurrent' }))).seq).toBe(1);
  });

  it('is idempotent by notification id: a redelivered job gets the stored seq, no new row', async () => {
    const who = { subscriber: 'idem' };
    const first = await store.append(input({ ...who, notificationId: 'job-1' }));
    const again = await Promise.all([
      store.append(input({ ...who, notificationId: 'job-1', title: 'changed' })),
      store.append(input({ ...who, notificationId: 'job-1' })),
    ]);
    expect(first).toMatchObject({ seq: 1, duplicate: false });
    for (const r of again) expect(r).toMatchObject({ seq: 1, duplicate: true });
    expect(again[0]!.message.title).toBe(first.message.title);
    expect(await store.latestSeq('acme', 'idem')).toBe(1);
    expect((await store.readAfter('acme', 'idem', 0)).messages).toHaveLength(1);
  });

  it('collapse key: a later message replaces the earlier one with a new seq', async () => {
    const who = { subscriber: 'collapse' };
    await store.append(input({ ...who, notificationId: 'other' }));
    const p10 = await store.append(input({ ...who, collapseKey: 'task-7', body: '10%' }));
    const p50 = await store.append(input({ ...who, collapseKey: 'task-7', body: '50%' }));
    expect(p50).toMatchObject({ seq: 3, replacesSeq: p10.seq, duplicate: false });
    const feed = await store.listFeed('acme', 'collapse');
    expect(feed.messages.map((m) => [m.seq, m.body])).toEqual([
      [3, '50%'],
      [1, 'body'],
    ]);
    // A client that had seq 2 resumes and gets the replacement, once, with what it replaces.
    const resumed = await store.readAfter('acme', 'collapse', 2);
    expect(resumed.messages.map((m) => [m.seq, m.collapseKey, m.replacesSeq])).toEqual([
      [3, 'task-7', 2],
    ]);
    expect(await store.counts('acme', 'collapse')).toEqual({ unread: 2, unseen: 2, total: 2 });
  });

  it('refuses a message without a title or over the limits with HERALD_ERR_INBOX_MESSAGE_INVALID', async () => {
    expect(await codeOf(store.append(input({ title: ' ' })))).toBe(
      'HERALD_ERR_INBOX_MESSAGE_INVALID',
    );
    expect(await codeOf(store.append(input({ body: 'x'.repeat(10_001) })))).toBe(
      'HERALD_ERR_INBOX_MESSAGE_INVALID',
    );
    expect(await codeOf(store.append(input({ data: { blob: 'x'.repeat(40_000) } })))).toBe(
      'HERALD_ERR_INBOX_MESSAGE_INVALID',
    );
  });

  it('stores a message in the month of its creation, across a month boundary', async () => {
    clock = new Date('2026-12-01T00:00:30.000Z');
    const r = await store.append(input({ subscriber: 'december' }));
    expect(r.message.createdAt).toBe('2026-12-01T00:00:30.000Z');
    clock = new Date('2026-11-30T23:59:00.000Z');
  });
});

describe('readAfter', () => {
  it('returns every message after a seq exactly once, in order, page by page', async () => {
    const who = { subscriber: 'resume' };
    for (let i = 0; i < 7; i++) await store.append(input(who));
    const seen: number[] = [];
    let after = 0;
    for (;;) {
      const page = await store.readAfter('acme', 'resume', after, 3);
      seen.push(...page.messages.map((m) => m.seq));
      if (!page.hasMore) break;
      after = page.messages.at(-1)!.seq;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect((await store.readAfter('acme', 'resume', 7)).messages).toEqual([]);
  });

  it('refuses a position from the future and a malformed one', async () => {
    expect(await codeOf(store.readAfter('acme', 'resume', 8))).toBe(
      'HERALD_ERR_INBOX_CURSOR_AHEAD',
    );
    expect(await codeOf(store.readAfter('acme', 'nobody', 1))).toBe(
      'HERALD_ERR_INBOX_CURSOR_AHEAD',
    );
    expect(await codeOf(store.readAfter('acme', 'resume', -1))).toBe(
      'HERALD_ERR_INBOX_REQUEST_INVALID',
    );
  });
});

describe('feed', () => {
  const who = { subscriber: 'feed' };
  beforeAll(async () => {
    for (let i = 1; i <= 9; i++) {
      await store.append(
        input({
          ...who,
          notificationId: `f-${i}`,
          category: i % 3 === 0 ? 'billing' : 'tasks',
          tags: i % 2 === 0 ? ['even', 'x'] : ['odd'],
        }),
      );
    }
  });

  it('pages newest first with opaque cursors until the end', async () => {
    const seqs: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listFeed('acme', 'feed', {
        limit: 4,
        ...(cursor ? { cursor } : {}),
      });
      expect(page.latestSeq).toBe(9);
      seqs.push(...page.messages.map((m) => m.seq));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seqs).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('filters by category and tags', async () => {
    const billing = await store.listFeed('acme', 'feed', { category: 'billing' });
    expect(billing.messages.map((m) => m.seq)).toEqual([9, 6, 3]);
    const evenX = await store.listFeed('acme', 'feed', { tags: ['even', 'x'] });
    expect(evenX.messages.map((m) => m.seq)).toEqual([8, 6, 4, 2]);
    const both = await store.listFeed('acme', 'feed', { tags: ['even'], category: 'billing' });
    expect(both.messages.map((m) => m.seq)).toEqual([6]);
  });

  it('refuses a forged cursor, one from the future, and a bad limit or filter', async () => {
    expect(await codeOf(store.listFeed('acme', 'feed', { cursor: 'nope!' }))).toBe(
      'HERALD_ERR_INBOX_CURSOR_INVALID',
    );
    const future = Buffer.from('{"v":1,"s":99}').toString('base64url');
    expect(await codeOf(store.listFeed('acme', 'feed', { cursor: future }))).toBe(
      'HERALD_ERR_INBOX_CURSOR_AHEAD',
    );
    expect(await codeOf(store.listFeed('acme', 'feed', { limit: 0 }))).toBe(
      'HERALD_ERR_INBOX_REQUEST_INVALID',
    );
    expect(
      await codeOf(store.listFeed('acme', 'feed', { filter: 'new' as unknown as 'all' })),
    ).toBe('HERALD_ERR_INBOX_REQUEST_INVALID');
  });

  it('marks one, many and all; counts and filters follow; only changes are returned', async () => {
    expect(await store.counts('acme', 'feed')).toEqual({ unread: 9, unseen: 9, total: 9 });
    clock = new Date('2026-11-30T23:59:10.000Z');
    const one = await store.mark('acme', 'feed', ['f-1'], 'read');
    expect(one).toEqual([
      {
        id: 'f-1',
        seq: 1,
        readAt: '2026-11-30T23:59:10.000Z',
        seenAt: '2026-11-30T23:59:10.000Z',
        archivedAt: null,
        deleted: false,
      },
    ]);
    expect(await store.mark('acme', 'feed', ['f-1'], 'read')).toEqual([]);
    expect((await store.mark('acme', 'feed', ['f-2', 'f-3', 'unknown'], 'seen')).length).toBe(2);
    expect(await store.counts('acme', 'feed')).toEqual({ unread: 8, unseen: 6, total: 9 });
    expect((await store.mark('acme', 'feed', ['f-4', 'f-5'], 'archived')).length).toBe(2);
    expect(await store.counts('acme', 'feed')).toEqual({ unread: 6, unseen: 4, total: 7 });
    const archived = await store.listFeed('acme', 'feed', { filter: 'archived' });
    expect(archived.messages.map((m) => m.id)).toEqual(['f-5', 'f-4']);
    const read = await store.listFeed('acme', 'feed', { filter: 'read' });
    expect(read.messages.map((m) => m.id)).toEqual(['f-1']);
    expect((await store.mark('acme', 'feed', 'all', 'read')).map((m) => m.id)).toEqual([
      'f-2',
      'f-3',
      'f-4',
      'f-5',
      'f-6',
      'f-7',
      'f-8',
      'f-9',
    ]);
    expect(await store.counts('acme', 'feed')).toEqual({ unread: 0, unseen: 0, total: 7 });
    expect((await store.mark('acme', 'feed', ['f-9'], 'unread')).length).toBe(1);
    expect((await store.mark('acme', 'feed', ['f-4'], 'unarchived')).length).toBe(1);
    expect(await store.counts('acme', 'feed')).toEqual({ unread: 1, unseen: 0, total: 8 });
    const unread = await store.listFeed('acme', 'feed', { filter: 'unread' });
    expect(unread.messages.map((m) => m.id)).toEqual(['f-9']);
    // Another subscriber's ids are not this one's.
    expect(await store.mark('acme', 'alice', ['f-9'], 'read')).toEqual([]);
    expect(await codeOf(store.mark('acme', 'feed', ['f-1'], 'gone' as 'read'))).toBe(
      'HERALD_ERR_INBOX_REQUEST_INVALID',
    );
  });

  it('deletes: hidden from feed, resume and counts', async () => {
    expect((await store.delete('acme', 'feed', ['f-9', 'f-8'])).map((m) => m.id)).toEqual([
      'f-8',
      'f-9',
    ]);
    expect(await store.delete('acme', 'feed', ['f-9'])).toEqual([]);
    expect((await store.readAfter('acme', 'feed', 7)).messages).toEqual([]);
    expect(await store.counts('acme', 'feed')).toEqual({ unread: 0, unseen: 0, total: 6 });
  });
});
