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

describe('groupByPair', () => {
  it('groups, merges and orders as groupBy over the composite key', () => {
    // Random chunks (a seeded generator: the same cases every run) over few ids and
    // times, strings and numbers, so pairs repeat and ids recur with other times.
    let seed = 19;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const times = ['t1', 't2', 't3', 1, 2, 3] as const;
    for (let c = 0; c < 2_000; c++) {
      const rows = Array.from({ length: next(40) }, () => ({
        id: 'abcd'[next(4)]!,
        time: times[next(times.length)]!,
        n: next(10),
      }));
      expect(
        groupByPair(
          rows,
          (r) => r.id,
          (r) => r.time,
          merge,
        ),
      ).toEqual(byComposite(rows));
    }
  });

  it('keeps a first part seen with two second parts as two groups, each merged', () => {
    const rows: Row[] = [
      { id: 'a', time: 't1', n: 1 },
      { id: 'a', time: 't2', n: 2 },
      { id: 'b', time: 't1', n: 3 },
      { id: 'a', time: 't2', n: 4 },
      { id: 'a', time: 't1', n: 5 },
    ];
    expect(
      groupByPair(
        rows,
        (r) => r.id,
        (r) => r.time,
        merge,
      ),
    ).toEqual([
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
    expect(
      groupByPair(
        rows,
        (r) => r.id,
        (r) => r.time,
        (a) => a,
      ),
    ).toEqual([rows[0]]);
  });
});
