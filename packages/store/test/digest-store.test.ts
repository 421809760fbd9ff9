import type { Kysely } from 'kysely';
import { CancelStore, DigestStore, type HeraldDatabase } from '@herald/store';
import { migratedDatabase } from './migrated-database.js';

let db: Kysely<HeraldDatabase>;
let digests: DigestStore;
let cancels: CancelStore;

migratedDatabase((created) => {
  db = created;
  digests = new DigestStore(db);
  cancels = new CancelStore(db);
});

const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function item(
  n: number,
  key: string,
  extra: { dueAt?: Date; max?: number; channel?: string } = {},
) {
  return {
    notificationId: `${key}-n${n}`,
    tenant: 'acme',
    recipientRef: 'alice',
    channel: extra.channel ?? 'email',
    key,
    newDigestId: `${key}-d${n}`,
    dueAt: extra.dueAt ?? at(600_000),
    ...(extra.max === undefined ? {} : { max: extra.max }),
    job: { template: 'first' },
    eventId: `e${n}`,
    eventType: 'comment.created',
    payload: { n },
  };
}

describe('DigestStore', () => {
  it('collects per key until the window closes, then one claim returns every item once', async () => {
    const first = await digests.collect(item(1, 'w'), T0);
    expect(first).toEqual({ digestId: 'w-d1', position: 1, duplicate: false });
    for (let n = 2; n <= 5; n++) await digests.collect(item(n, 'w'), at(n * 1000));
    // A job collected again (redelivery after a crash) changes nothing and reads its digest back.
    expect(await digests.collect(item(3, 'w'), at(9000))).toEqual({
      digestId: 'w-d1',
      position: 3,
      duplicate: true,
    });
    expect(await digests.claimDue(['email'], at(599_999), 60_000, 10)).toEqual([]);
    const [due, ...more] = await digests.claimDue(['email'], at(600_000), 60_000, 10);
    expect(more).toEqual([]);
    expect(due!.id).toBe('w-d1');
    expect(due!.items.map((i) => i.payload)).toEqual([
      { n: 1 },
      { n: 2 },
      { n: 3 },
      { n: 4 },
      { n: 5 },
    ]);
    // Closed: the next item opens the next digest; the claimed one is not claimed again in its lease.
    expect(
      (await digests.collect(item(6, 'w', { dueAt: at(1_200_001) }), at(600_001))).digestId,
    ).toBe('w-d6');
    expect(await digests.claimDue(['email'], at(610_000), 60_000, 10)).toEqual([]);
    // A flusher that died before marking: claimed again once the lease is over, same items.
    const again = await digests.claimDue(['email'], at(660_000), 60_000, 10);
    expect(again.map((d) => [d.id, d.items.length])).toEqual([['w-d1', 5]]);
    await digests.markFlushed(['w-d1'], at(660_000));
    expect(await digests.claimDue(['email'], at(900_000), 60_000, 10)).toEqual([]);
    expect(await digests.claimDue(['email'], at(1_300_000), 60_000, 10)).toHaveLength(1); // w-d6
  });

  it('closes a digest at max items, due at once', async () => {
    for (let n = 1; n <= 7; n++) await digests.collect(item(n, 'm', { max: 3 }), at(n));
    const due = await digests.claimDue(['email'], at(10), 60_000, 10);
    expect(due.map((d) => d.items.map((i) => (i.payload as { n: number }).n))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('loses and duplicates no item when many workers collect and flush at once', async () => {
    const jobs = Array.from({ length: 400 }, (_, n) =>
      item(n, `c${n % 7}`, { max: 10, channel: 'sms' }),
    );
    // Every job twice, concurrently (a redelivery racing the first copy), with flushers running.
    const flushed: string[] = [];
    let stop = false;
    const flusher = async () => {
      while (!stop) {
        const due = await digests.claimDue(['sms'], at(1_000), 60_000, 5);
        for (const d of due) flushed.push(...d.items.map((i) => i.notificationId));
        await digests.markFlushed(
          due.map((d) => d.id),
          at(1_000),
        );
        if (due.length === 0) await new Promise((r) => setTimeout(r, 5));
      }
    };
    const flushers = [flusher(), flusher()];
    await Promise.all([...jobs, ...jobs].map((j) => digests.collect(j, at(0))));
    await new Promise((r) => setTimeout(r, 100));
    stop = true;
    await Promise.all(flushers);
    // What is left open (under max) is flushed when its window ends.
    for (const d of await digests.claimDue(['sms'], at(10_000_000), 60_000, 1000))
      flushed.push(...d.items.map((i) => i.notificationId));
    expect(flushed.length).toBe(400);
    expect(new Set(flushed).size).toBe(400);
  });
});

describe('CancelStore', () => {
  const job = (n: number, plannedAt: Date) => ({
    notificationId: `cancel-${n}`,
    attempt: 1,
    tenant: 'acme',
    cancelKey: `cart-${n}`,
    plannedAt: plannedAt.toISOString(),
  });

  it('cancels jobs planned at or before the mark, and decides once per attempt', async () => {
    await cancels.mark('acme', 'cart-1', 'evt-done', at(5000));
    expect(await cancels.decide(job(1, at(1000)), at(6000))).toEqual({
      decision: 'cancelled',
      eventId: 'evt-done',
    });
    // Planned after the cancel: not cancelled by it.
    expect(
      await cancels.decide({ ...job(1, at(9000)), notificationId: 'later' }, at(9000)),
    ).toEqual({
      decision: 'send',
    });
    // Decided: a mark written afterwards does not change this attempt's decision.
    expect(await cancels.decide(job(2, at(0)), at(1000))).toEqual({ decision: 'send' });
    await cancels.mark('acme', 'cart-2', 'evt-late', at(2000));
    expect(await cancels.decide(job(2, at(0)), at(3000))).toEqual({ decision: 'send' });
    expect(await cancels.decide({ ...job(2, at(0)), attempt: 2 }, at(3000))).toEqual({
      decision: 'cancelled',
      eventId: 'evt-late',
    });
    // Other tenant: untouched.
    expect(
      await cancels.decide({ ...job(1, at(0)), tenant: 'other', notificationId: 'o' }, at(0)),
    ).toEqual({ decision: 'send' });
  });

  it('a cancel racing decisions: every decision is read back the same, many times over', async () => {
    for (let i = 0; i < 100; i++) {
      const j = { ...job(1000 + i, at(0)) };
      const [first, , second] = await Promise.all([
        cancels.decide(j, at(10)),
        cancels.mark('acme', j.cancelKey, `evt-${i}`, at(10)),
        cancels.decide(j, at(10)),
      ]);
      expect(second).toEqual(first);
      expect(await cancels.decide(j, at(20))).toEqual(first);
    }
  });
});
