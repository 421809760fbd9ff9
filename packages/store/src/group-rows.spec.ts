import fc from 'fast-check';
import { groupBy, groupByPair } from './group-rows.js';

interface Row {
  readonly id: string;
  readonly time: string | number;
  readonly n: number;
}

const merge = (a: Row, b: Row): Row => ({ ...a, n: a.n * 31 + b.n });
/** What the auditor did before groupByPair: one `first|second` key string per row. */
const byComposite = (rows: readonly Row[]) => [
  ...groupBy(rows, (r) => `${r.id}|${String(r.time)}`, merge).values(),
];
/** groupByPair on (id, time), as the auditor groups status rows. */
const byIdAndTime = (rows: readonly Row[], mergeRows: (a: Row, b: Row) => Row = merge) =>
  groupByPair(
    rows,
    (r) => r.id,
    (r) => r.time,
    mergeRows,
  );

describe('groupByPair', () => {
  it('groups, merges and orders as groupBy over the composite key', () => {
    // Chunks over few ids and times, strings and numbers, so pairs repeat and ids recur
    // with other times.
    const row = fc.record({
      id: fc.constantFrom('a', 'b', 'c', 'd'),
      time: fc.constantFrom<string | number>('t1', 't2', 't3', 1, 2, 3),
      n: fc.integer({ min: 0, max: 9 }),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), (rows) => {
        expect(byIdAndTime(rows)).toEqual(byComposite(rows));
      }),
      { seed: 19, numRuns: 2_000 },
    );
  });

  it('keeps a first part seen with two second parts as two groups, each merged', () => {
    const rows: Row[] = [
      { id: 'a', time: 't1', n: 1 },
      { id: 'a', time: 't2', n: 2 },
      { id: 'b', time: 't1', n: 3 },
      { id: 'a', time: 't2', n: 4 },
      { id: 'a', time: 't1', n: 5 },
    ];
    expect(byIdAndTime(rows)).toEqual([
      { id: 'a', time: 't1', n: 1 * 31 + 5 },
      { id: 'a', time: 't2', n: 2 * 31 + 4 },
      { id: 'b', time: 't1', n: 3 },
    ]);
  });

  it('keeps the first row of a pair when merge keeps the left side (status rows)', () => {
    const rows: Row[] = [
      { id: 'a', time: 't1', n: 1 },
      { id: 'a', time: 't1', n: 2 },
    ];
    expect(byIdAndTime(rows, (a) => a)).toEqual([rows[0]]);
  });
});
