import { silentLogger } from '@herald/core';
import { PartitionLedger, type RawRecord } from './partition-ledger.js';

const raw = (partition: number, offset: number, timestamp = 1_000): RawRecord => ({
  topic: 't',
  partition,
  offset: BigInt(offset),
  leaderEpoch: 0,
  timestamp: BigInt(timestamp),
  key: null,
  value: Buffer.from(`${partition}:${offset}`),
  headers: new Map([[Buffer.from('h'), Buffer.from('v')]]),
});

/** A reader over a fixed list, like the stream's read(): null when empty. */
const reader = (records: RawRecord[]) => () => records.shift() ?? null;

async function ledgerWith(
  partitions: number[],
  committed: Record<string, bigint> = {},
  options: { releaseAt?: (topic: string, ts: number) => number; maxHeld?: number } = {},
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

  it('moves the stream to a gained partition’s start, and back when records skip its position', async () => {
    const seeks: string[] = [];
    const gaps: string[] = [];
    const ledger = new PartitionLedger({
      maxHeld: 100,
      log: silentLogger,
      seek: (topic, partition, offset) => seeks.push(`${topic}:${partition}@${offset}`),
      gap: (topic, partition, expected) => gaps.push(`${topic}:${partition}@${expected}`),
    });
    // Never committed: the start is the partition's earliest offset, 0.
    ledger.assign('m1', [{ topic: 't', partition: 0 }], async () => new Map([['t:0', 0n]]));
    await ledger.ready();
    expect(seeks).toEqual(['t:0@0']);
    // The stream was still at its own position (5) after the rejoin: 5 and 6 are dropped
    // and the stream moved back each time; the re-read from 0 is taken.
    const chunk = ledger.take(10, reader([raw(0, 5), raw(0, 6), raw(0, 0), raw(0, 1)]));
    expect(chunk.map((t) => t.record.offset)).toEqual(['0', '1']);
    expect(seeks).toEqual(['t:0@0', 't:0@0', 't:0@0']);
    expect(gaps).toEqual(['t:0@0']); // one warning and one check per gap
    expect(ledger.gaps).toBe(1);
    expect(ledger.commitOffsets(chunk)).toEqual([
      { topic: 't', partition: 0, offset: 2n, leaderEpoch: 0 },
    ]);
  });

  it('goes on from the log’s start when retention deleted the records at its position', async () => {
    const seeks: string[] = [];
    const ledger = new PartitionLedger({
      maxHeld: 100,
      log: silentLogger,
      seek: (topic, partition, offset) => seeks.push(`${topic}:${partition}@${offset}`),
    });
    ledger.assign('m1', [{ topic: 't', partition: 0 }], async () => new Map([['t:0', 3n]]));
    await ledger.ready();
    expect(ledger.take(10, reader([raw(0, 10)]))).toEqual([]);
    // A check that comes back for a position the partition has left changes nothing.
    ledger.skipDeleted('t', 0, 2n, 10n);
    ledger.skipDeleted('t', 0, 3n, 3n);
    expect(seeks).toEqual(['t:0@3', 't:0@3']);
    ledger.skipDeleted('t', 0, 3n, 10n);
    expect(seeks).toEqual(['t:0@3', 't:0@3', 't:0@10']);
    expect(ledger.take(10, reader([raw(0, 10)])).map((t) => t.record.offset)).toEqual(['10']);
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
});
