import { silentLogger } from '@herald/core';
import { CommitQueue } from './commit-queue.js';
import type { Taken } from './partition-ledger.js';

const taken = (partition: number, offset: number): Taken => ({
  record: {
    topic: 't',
    partition,
    offset: String(offset),
    key: null,
    value: null,
    headers: {},
    timestamp: 0,
  },
  key: `t:${partition}`,
  offset: BigInt(offset),
  leaderEpoch: 0,
  epoch: 1,
  at: 0,
});

/** A commit sender whose requests the test finishes one by one. */
function sender() {
  const sent: string[][] = [];
  const open: Array<() => void> = [];
  const send = (batch: readonly Taken[]) =>
    new Promise<void>((resolve) => {
      sent.push(batch.map((t) => `${t.key}@${t.offset}`));
      open.push(resolve);
    });
  const finish = async () => {
    open.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { sent, open, send, finish };
}

describe('CommitQueue', () => {
  it('sends a chunk at once, keeps one commit in flight, merges what comes meanwhile into the next (latest offset per partition)', async () => {
    const { sent, open, send, finish } = sender();
    const queue = new CommitQueue(send, silentLogger);
    queue.add([taken(0, 1), taken(1, 4)]);
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([['t:0@1', 't:1@4']]);
    // Two more chunks while the first commit is in flight: nothing sent yet.
    queue.add([taken(0, 2)]);
    queue.add([taken(0, 3), taken(2, 9)]);
    await new Promise((r) => setImmediate(r));
    expect(sent).toHaveLength(1);
    await finish();
    expect(sent[1]).toEqual(['t:0@3', 't:2@9']);
    expect(open).toHaveLength(1);
    let drained = false;
    const done = queue.drained().then(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    await finish();
    await done;
    expect(sent).toHaveLength(2);
    // Idle again: the next chunk starts a commit of its own.
    queue.add([taken(1, 5)]);
    await new Promise((r) => setImmediate(r));
    expect(sent[2]).toEqual(['t:1@5']);
    await finish();
    await queue.drained();
  });

  it('an empty chunk starts nothing, and a send that throws does not stop later commits', async () => {
    const sent: string[] = [];
    let fail = true;
    const queue = new CommitQueue(async (batch) => {
      sent.push(batch.map((t) => `${t.key}@${t.offset}`).join());
      if (fail) throw new Error('broker gone');
    }, silentLogger);
    queue.add([]);
    await queue.drained();
    expect(sent).toEqual([]);
    queue.add([taken(0, 1)]);
    await queue.drained();
    fail = false;
    queue.add([taken(0, 2)]);
    await queue.drained();
    expect(sent).toEqual(['t:0@1', 't:0@2']);
  });

  describe('with a minimum interval between commits', () => {
    const tick = () => new Promise((r) => setImmediate(r));

    it('sends the first commit at once, then merges everything acknowledged until the interval ends into one', async () => {
      const { sent, send, finish } = sender();
      const queue = new CommitQueue(send, silentLogger, { minIntervalMs: 60_000 });
      queue.add([taken(0, 1)]);
      await tick();
      expect(sent).toEqual([['t:0@1']]);
      await finish();
      // The first commit is back; later chunks wait for the interval, merged.
      queue.add([taken(0, 2)]);
      queue.add([taken(1, 7)]);
      queue.add([taken(0, 3)]);
      await tick();
      await tick();
      expect(sent).toHaveLength(1);
      // stop(): drained() commits at once what waits.
      const done = queue.drained();
      await tick();
      expect(sent[1]).toEqual(['t:0@3', 't:1@7']);
      await finish();
      await done;
      expect(sent).toHaveLength(2);
    });

    it('flushNow() (a rebalance beginning) ends the wait; with nothing queued it starts nothing', async () => {
      const { sent, send, finish } = sender();
      const queue = new CommitQueue(send, silentLogger, { minIntervalMs: 60_000 });
      queue.flushNow();
      await tick();
      expect(sent).toEqual([]);
      queue.add([taken(0, 1)]);
      await tick();
      await finish();
      queue.add([taken(0, 2)]);
      await tick();
      expect(sent).toHaveLength(1);
      queue.flushNow();
      await tick();
      expect(sent[1]).toEqual(['t:0@2']);
      await finish();
      // The next one waits for the interval again.
      queue.add([taken(0, 3)]);
      await tick();
      expect(sent).toHaveLength(2);
      const done = queue.drained();
      await tick();
      await finish();
      await done;
      expect(sent[2]).toEqual(['t:0@3']);
    });

    it('a commit after the interval has passed goes at once', async () => {
      const { sent, send, finish } = sender();
      const queue = new CommitQueue(send, silentLogger, { minIntervalMs: 20 });
      queue.add([taken(0, 1)]);
      await tick();
      await finish();
      await new Promise((r) => setTimeout(r, 40));
      queue.add([taken(0, 2)]);
      await tick();
      expect(sent[1]).toEqual(['t:0@2']);
      await finish();
      await queue.drained();
    });
  });
});
