import type { OutputMessage } from '../output-message.js';
import { OutputQueue } from './output-queue.js';
import type { Taken } from './partition-ledger.js';

/** A chunk of one record at `offset` (partition 0). */
const chunkAt = (offset: number): Taken[] => [
  {
    record: {
      topic: 't',
      partition: 0,
      offset: String(offset),
      key: null,
      value: null,
      headers: {},
      timestamp: 0,
    },
    key: 't:0',
    offset: BigInt(offset),
    leaderEpoch: 0,
    epoch: 1,
    at: 0,
  },
];
const out = (value: string): OutputMessage => ({
  topic: 'o',
  key: null,
  value: Buffer.from(value),
});
const valuesOf = (outputs: readonly OutputMessage[]) => outputs.map((o) => o.value.toString());
const offsetOf = (chunk: readonly Taken[]) => chunk[0]!.record.offset;

/** A queue whose produces the test answers (true: acknowledged) one by one. */
function queue(stale: (chunk: readonly Taken[]) => boolean = () => false) {
  const produced: string[][] = [];
  const done: string[] = [];
  const answers: Array<(sent: boolean) => void> = [];
  const q = new OutputQueue({
    produce: (_chunks, outputs) =>
      new Promise<boolean>((resolve) => {
        produced.push(valuesOf(outputs));
        answers.push(resolve);
      }),
    done: (chunk) => done.push(offsetOf(chunk)),
    stale,
  });
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  return { q, produced, done, answer: (sent: boolean) => answers.shift()!(sent), tick };
}

describe('OutputQueue', () => {
  it('produces in the order chunks were taken: chunks handled behind a slow one go out with it in one produce', async () => {
    const { q, produced, done, answer, tick } = queue();
    const one = q.enter(chunkAt(1));
    const two = q.enter(chunkAt(2));
    const three = q.enter(chunkAt(3));
    three.handled([out('c')]);
    two.handled([out('b')]);
    await tick();
    expect(produced).toEqual([]); // the first chunk still runs
    one.handled([out('a')]);
    await tick();
    expect(produced).toEqual([['a', 'b', 'c']]);
    expect(done).toEqual([]); // not before the produce is acknowledged
    answer(true);
    await Promise.all([one.over, two.over, three.over]);
    expect(done).toEqual(['1', '2', '3']);
  });

  it('a chunk handled during a produce goes out in the next one; a chunk without outputs is passed on without a produce', async () => {
    const { q, produced, done, answer, tick } = queue();
    const one = q.enter(chunkAt(1));
    const two = q.enter(chunkAt(2));
    const three = q.enter(chunkAt(3));
    one.handled([out('a')]);
    await tick();
    two.handled([]);
    three.handled([out('c')]);
    answer(true);
    await tick();
    expect(produced).toEqual([['a'], ['c']]);
    answer(true);
    await Promise.all([one.over, two.over, three.over]);
    expect(done).toEqual(['1', '2', '3']);
  });

  it('skips a chunk given up whose partitions are gone; one given up otherwise lets nothing after it out', async () => {
    const gone = new Set(['2']);
    const { q, produced, done, answer, tick } = queue((chunk) => gone.has(offsetOf(chunk)));
    const one = q.enter(chunkAt(1));
    const two = q.enter(chunkAt(2));
    const three = q.enter(chunkAt(3));
    const four = q.enter(chunkAt(4));
    const five = q.enter(chunkAt(5));
    one.handled([out('a')]);
    two.handled(undefined); // its partitions moved on: the new owner redoes it
    three.handled([out('c')]);
    answer(true);
    await tick();
    expect(done).toEqual(['1']);
    await tick();
    answer(true);
    await three.over;
    expect(done).toEqual(['1', '3']);
    four.handled(undefined); // stop() past its deadline, partitions still owned
    five.handled([out('e')]);
    await Promise.all([four.over, five.over]);
    expect(produced).toEqual([['a'], ['c']]);
    expect(done).toEqual(['1', '3']);
    // Closed for good: a chunk taken later is not produced either.
    const six = q.enter(chunkAt(6));
    six.handled([out('f')]);
    await six.over;
    expect(produced).toEqual([['a'], ['c']]);
  });

  it('a produce given up with partitions still owned closes the queue', async () => {
    const { q, produced, done, answer, tick } = queue();
    const one = q.enter(chunkAt(1));
    const two = q.enter(chunkAt(2));
    one.handled([out('a')]);
    await tick();
    answer(false);
    await one.over;
    two.handled([out('b')]);
    await two.over;
    expect(produced).toEqual([['a']]);
    expect(done).toEqual([]);
  });
});
