import { silentLogger } from '@herald/core';
import { PartitionLedger, type RawRecord } from './partition-ledger.js';

const raw = (
  partition: number,
  offset: number,
  timestamp = 1_000,
  key: string | null = null,
): RawRecord => ({
  topic: 't',
  partition,
  offset: BigInt(offset),
  leaderEpoch: 0,
  timestamp: BigInt(timestamp),
  key: key === null ? null : Buffer.from(key),
  value: Buffer.from(`${partition}:${offset}`),
  headers: new Map([[Buffer.from('h'), Buffer.from('v')]]),
});

/** A reader over a fixed list, like the stream's read(): null when empty. */
const reader = (records: RawRecord[]) => () => records.shift() ?? null;

async function ledgerWith(
  partitions: number[],
  committed: Record<string, bigint> = {},
  options: {
    releaseAt?: (topic: string, ts: number) => number;
    maxHeld?: number;
    keyOrder?: boolean;
  } = {},
) {
  const ledger = new PartitionLedger({
    maxHeld: options.maxHeld ?? 100,
    log: silentLogger,
    ...options,
  });
  ledger.assign(
    'm1',
    partitions.map((partition) => ({ topic: 't', partition })),
    async () => new Map(Object.entries(committed)),
  );
  await ledger.ready();
  return ledger;
}

describe('PartitionLedger', () => {
  it('takes records across partitions in one chunk and commits the offset after each partition’s last', async () => {
    const ledger = await ledgerWith([0, 1]);
    const chunk = ledger.take(10, reader([raw(0, 5), raw(1, 7), raw(0, 6)]));
    expect(chunk.map((t) => t.record.offset)).toEqual(['5', '7', '6']);
    expect(chunk[0]!.record.headers).toEqual({ h: Buffer.from('v') });
    expect(ledger.commitOffsets(chunk)).toEqual([
      { topic: 't', partition: 0, offset: 7n, leaderEpoch: 0 },
      { topic: 't', partition: 1, offset: 8n, leaderEpoch: 0 },
    ]);
  });

  it('drops a re-fetch below the position of a kept partition, and records of partitions not owned', async () => {
    const ledger = await ledgerWith([0, 1]);
    const first = ledger.take(10, reader([raw(0, 0), raw(0, 1), raw(1, 0)]));
    // A rebalance keeps partition 0, takes partition 1 away; the library fetches 0 again from 0.
    ledger.assign('m1', [{ topic: 't', partition: 0 }], async () => new Map());
    await ledger.ready();
    const second = ledger.take(10, reader([raw(0, 0), raw(0, 1), raw(1, 1), raw(0, 2)]));
    expect(second.map((t) => `${t.record.partition}:${t.record.offset}`)).toEqual(['0:2']);
    // The first chunk may still commit partition 0 (owned throughout), not partition 1.
    expect(ledger.commitOffsets(first).map((o) => o.partition)).toEqual([0]);
  });

  it('a partition gained anew starts at the committed offset and the chunk taken before does not commit', async () => {
    const ledger = await ledgerWith([0]);
    const before = ledger.take(10, reader([raw(0, 0), raw(0, 1)]));
    ledger.assign('m1', [], async () => new Map());
    ledger.assign('m1', [{ topic: 't', partition: 0 }], async () => new Map([['t:0', 40n]]));
    expect(ledger.take(10, reader([raw(0, 2)]))).toEqual([]); // committed offset not known yet
    await ledger.ready();
    expect(ledger.commitOffsets(before)).toEqual([]);
    expect(ledger.allStale(before)).toBe(true);
    const after = ledger.take(10, reader([raw(0, 3), raw(0, 40), raw(0, 41)]));
    expect(after.map((t) => t.record.offset)).toEqual(['40', '41']);
  });

  it('a new member id forgets every partition', async () => {
    const ledger = await ledgerWith([0]);
    const before = ledger.take(10, reader([raw(0, 0)]));
    ledger.assign('m2', [{ topic: 't', partition: 0 }], async () => new Map());
    await ledger.ready();
    expect(ledger.commitOffsets(before)).toEqual([]);
  });

  it('holds records not yet due with everything after them in their partition, without holding other partitions', async () => {
    const releaseAt = (_topic: string, ts: number) => ts + 1_000;
    const ledger = await ledgerWith([0, 1], {}, { releaseAt });
    const records = [raw(0, 0, 500), raw(0, 1, 5_000), raw(0, 2, 600), raw(1, 0, 700)];
    const now1 = ledger.take(10, reader(records), 2_000);
    expect(now1.map((t) => `${t.record.partition}:${t.record.offset}`)).toEqual(['0:0', '1:0']);
    // The commit stops before the first held record of partition 0.
    expect(ledger.commitOffsets(now1).find((o) => o.partition === 0)?.offset).toBe(1n);
    expect(ledger.nextRelease()).toBe(6_000);
    expect(ledger.take(10, reader([]), 5_999)).toEqual([]);
    const now2 = ledger.take(10, reader([]), 6_000);
    expect(now2.map((t) => t.record.offset)).toEqual(['1', '2']);
  });

  it('stops reading when the hold is full', async () => {
    const ledger = await ledgerWith([0], {}, { releaseAt: (_t, ts) => ts + 1_000, maxHeld: 2 });
    const records = [raw(0, 0, 5_000), raw(0, 1, 5_000), raw(0, 2, 5_000)];
    expect(ledger.take(10, reader(records), 0)).toEqual([]);
    expect(records).toHaveLength(1); // left in the stream: back-pressure stops the fetches
  });

  describe('with keyOrder (several chunks in flight)', () => {
    const at = (chunk: readonly { record: { partition: number; offset: string } }[]) =>
      chunk.map((t) => `${t.record.partition}:${t.record.offset}`);

    it('holds a record whose key a chunk in flight has, with every later record of its partition, until that chunk is done', async () => {
      const ledger = await ledgerWith([0, 1], {}, { keyOrder: true });
      const first = ledger.take(10, reader([raw(0, 0, 1_000, 'a'), raw(1, 0, 1_000, 'b')]));
      expect(at(first)).toEqual(['0:0', '1:0']);
      // 'a' is in flight: partition 0 waits from its next 'a' on (0:3 has a free key but
      // comes after it); partition 1 and null keys are not held up.
      const second = ledger.take(
        10,
        reader([
          raw(0, 1, 1_000, 'c'),
          raw(0, 2, 1_000, 'a'),
          raw(1, 1, 1_000, 'd'),
          raw(0, 3, 1_000, 'e'),
          // Keyless: the library hands these over with an undefined key, not null.
          { ...raw(1, 2), key: undefined as unknown as null },
        ]),
      );
      expect(at(second)).toEqual(['0:1', '1:1', '1:2']);
      expect(ledger.nextRelease()).toBeUndefined(); // no time to wait for: `done` frees it
      // The commit of the second chunk stops before the held record of partition 0.
      expect(ledger.commitOffsets(second).find((o) => o.partition === 0)?.offset).toBe(2n);
      expect(ledger.take(10, reader([raw(0, 4, 1_000, 'f')]))).toEqual([]);
      ledger.done(first);
      expect(at(ledger.take(10, reader([])))).toEqual(['0:2', '0:3', '0:4']);
    });

    it('keeps a partition in order when a chunk is full: records left queued never pass held ones', async () => {
      // Held until 1 s after their timestamp, so both are queued at once when released.
      const releaseAt = (_topic: string, ts: number) => ts + 1_000;
      const ledger = await ledgerWith([0], {}, { releaseAt, keyOrder: true });
      expect(ledger.take(1, reader([raw(0, 0, 0, 'a'), raw(0, 1, 0, 'a')]), 0)).toEqual([]);
      const first = ledger.take(1, reader([]), 1_000);
      expect(at(first)).toEqual(['0:0']);
      // 0:1 was queued before 'a' went in flight; it is held now, and 0:2 behind it.
      expect(ledger.take(1, reader([]), 1_000)).toEqual([]);
      expect(ledger.take(1, reader([raw(0, 2, 0, 'b')]), 1_000)).toEqual([]);
      ledger.done(first);
      const third = ledger.take(1, reader([]), 1_000);
      expect(at(third)).toEqual(['0:1']);
      expect(at(ledger.take(5, reader([]), 1_000))).toEqual(['0:2']);
    });

    it('records of one key in one take stay in one chunk; a key frees only when its chunk is done', async () => {
      const ledger = await ledgerWith([0, 1], {}, { keyOrder: true });
      const one = ledger.take(10, reader([raw(0, 0, 1_000, 'k'), raw(0, 1, 1_000, 'k')]));
      expect(at(one)).toEqual(['0:0', '0:1']);
      // The same key on another partition (another topic's, in a real stage) waits too.
      expect(ledger.take(10, reader([raw(1, 0, 1_000, 'k')]))).toEqual([]);
      ledger.done(one);
      const two = ledger.take(10, reader([]));
      expect(at(two)).toEqual(['1:0']);
    });

    it('a record both not yet due and behind a busy key waits for both', async () => {
      const releaseAt = (_topic: string, ts: number) => ts + 1_000;
      const ledger = await ledgerWith([0], {}, { releaseAt, keyOrder: true });
      const first = ledger.take(10, reader([raw(0, 0, 0, 'a')]), 2_000);
      expect(at(first)).toEqual(['0:0']);
      expect(ledger.take(10, reader([raw(0, 1, 1_500, 'a')]), 2_000)).toEqual([]);
      expect(ledger.take(10, reader([]), 3_000)).toEqual([]); // due, but 'a' is still in flight
      expect(ledger.nextRelease()).toBeUndefined(); // `done` wakes the intake, not a timer
      ledger.done(first);
      expect(ledger.nextRelease()).toBe(2_500);
      expect(ledger.take(10, reader([]), 2_400)).toEqual([]); // free, not yet due
      expect(at(ledger.take(10, reader([]), 2_500))).toEqual(['0:1']);
    });

    it('keys stay busy across a rebalance while their chunk runs on', async () => {
      const ledger = await ledgerWith([0], {}, { keyOrder: true });
      const stale = ledger.take(10, reader([raw(0, 0, 1_000, 'a')]));
      ledger.assign('m2', [{ topic: 't', partition: 0 }], async () => new Map([['t:0', 0n]]));
      await ledger.ready();
      // The new ownership fetches 0:0 again: it waits until the stale chunk's sends end.
      expect(ledger.take(10, reader([raw(0, 0, 1_000, 'a')]))).toEqual([]);
      ledger.done(stale);
      expect(at(ledger.take(10, reader([])))).toEqual(['0:0']);
    });
  });
});
