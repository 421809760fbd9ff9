import type { ConsumedRecord, OutputMessage } from './ports.js';
import type { DeliveryPipeline } from './create-pipeline.js';
import type { Chunk } from './leases.js';
import { createChunkHandler } from './handle-chunk.js';
import { createSlots } from './slots.js';

// The chunk handler's scheduling over a pipeline of its own: lanes per key, in order
// within a key, `concurrency` keys at once across the chunks of a handler, outputs in
// record order, `finish` before a failure is thrown.

const record = (key: string | null, offset: number): ConsumedRecord => ({
  topic: 't',
  partition: 0,
  offset: String(offset),
  timestamp: 0,
  key: key === null ? null : Buffer.from(key),
  value: Buffer.from(String(offset)),
  headers: {},
});

/** A pipeline whose records finish when the test says (or after `ms`), logging what ran. */
function fakePipeline(options: { fail?: (r: ConsumedRecord) => Error | undefined } = {}) {
  const log: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const pending = new Map<string, () => void>();
  const pipeline = {
    prepare: async (records: readonly ConsumedRecord[]) => {
      log.push(`prepare ${records.length}`);
      return { prepared: new Map(), marks: [] } as unknown as Chunk;
    },
    processRecord: async (r: ConsumedRecord): Promise<OutputMessage[]> => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      log.push(`start ${r.offset}`);
      await new Promise<void>((done) => pending.set(r.offset, done));
      inFlight--;
      log.push(`end ${r.offset}`);
      const err = options.fail?.(r);
      if (err) throw err;
      return [{ topic: 'out', key: null, value: Buffer.from(r.offset), headers: {} }];
    },
    finish: async () => {
      log.push('finish');
    },
  } as unknown as DeliveryPipeline;
  /** Lets every started record end, a turn of the event loop at a time, until `done`. */
  const drain = async (done: Promise<unknown>) => {
    let settled = false;
    void done.then(
      () => (settled = true),
      () => (settled = true),
    );
    while (!settled) {
      await new Promise((r) => setImmediate(r));
      const first = pending.entries().next().value;
      if (first) {
        pending.delete(first[0]);
        first[1]();
      }
    }
  };
  return { pipeline, log, drain, maxInFlight: () => maxInFlight };
}

const signal = new AbortController().signal;
const offsetsOf = (out: readonly OutputMessage[]) => out.map((m) => m.value.toString());

it("runs a key's records in order, one at a time, and returns outputs in record order", async () => {
  const { pipeline, log, drain } = fakePipeline();
  const handler = createChunkHandler(pipeline, { concurrency: 8 });
  const records = [record('a', 1), record('b', 2), record('a', 3), record(null, 4), record('a', 5)];
  const done = handler.handle(records, signal);
  await drain(done);
  expect(offsetsOf(await done)).toEqual(['1', '2', '3', '4', '5']);
  const a = log.filter((l) => /^(start|end) (1|3|5)$/.test(l));
  expect(a).toEqual(['start 1', 'end 1', 'start 3', 'end 3', 'start 5', 'end 5']);
  expect(log[0]).toBe('prepare 5');
  expect(log.at(-1)).toBe('finish');
});

it('runs at most `concurrency` keys at once across the chunks it handles together, first chunk first', async () => {
  const { pipeline, log, drain, maxInFlight } = fakePipeline();
  const handler = createChunkHandler(pipeline, { concurrency: 3 });
  const first = Array.from({ length: 6 }, (_, i) => record(`k${i}`, i));
  const second = Array.from({ length: 6 }, (_, i) => record(`k${i}`, 100 + i));
  const both = Promise.all([handler.handle(first, signal), handler.handle(second, signal)]);
  await drain(both);
  const [out1, out2] = await both;
  expect(offsetsOf(out1)).toEqual(['0', '1', '2', '3', '4', '5']);
  expect(offsetsOf(out2)).toEqual(['100', '101', '102', '103', '104', '105']);
  expect(maxInFlight()).toBe(3);
  // Every record of the first chunk started before any of the second's.
  const starts = log.filter((l) => l.startsWith('start')).map((l) => Number(l.slice(6)));
  expect(starts.slice(0, 6).every((o) => o < 100)).toBe(true);
});

it("lets the other keys finish, writes marks (`finish`), then throws the first key's failure", async () => {
  const { pipeline, log, drain } = fakePipeline({
    fail: (r) => (r.offset === '2' || r.offset === '4' ? new Error(`boom ${r.offset}`) : undefined),
  });
  const handler = createChunkHandler(pipeline, { concurrency: 2 });
  const records = [record('a', 1), record('b', 2), record('c', 3), record('d', 4), record('b', 5)];
  const done = handler.handle(records, signal);
  await drain(done);
  await expect(done).rejects.toThrow('boom 2');
  // Key b stopped at its failure (5 never ran); a, c and d ran; finish came last.
  expect(log.filter((l) => l.startsWith('start')).sort()).toEqual([
    'start 1',
    'start 2',
    'start 3',
    'start 4',
  ]);
  expect(log.at(-1)).toBe('finish');
});

it('runs each record in `around`', async () => {
  const { pipeline, drain } = fakePipeline();
  const seen: string[] = [];
  const handler = createChunkHandler(pipeline, {
    concurrency: 4,
    around: async (r, run) => {
      seen.push(r.offset);
      return run();
    },
  });
  const done = handler.handle([record('a', 1), record('b', 2)], signal);
  await drain(done);
  await done;
  expect(seen.sort()).toEqual(['1', '2']);
});

describe('slots', () => {
  it('hands slots over first come, first served', async () => {
    const slots = createSlots(2);
    const order: number[] = [];
    await slots.take();
    await slots.take();
    expect(slots.free).toBe(0);
    const waiters = [1, 2, 3].map((n) => slots.take().then(() => order.push(n)));
    slots.give();
    slots.give();
    await Promise.all(waiters.slice(0, 2));
    expect(order).toEqual([1, 2]);
    slots.give();
    await waiters[2];
    expect(order).toEqual([1, 2, 3]);
    expect(slots.free).toBe(0);
    slots.give();
    slots.give();
    expect(slots.free).toBe(2);
    expect(() => createSlots(0)).toThrow(RangeError);
  });
});
