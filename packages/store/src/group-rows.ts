// The auditor's chunk, grouped before its one write (audit-store.ts): a row per key.

/** Rows by `key`, a key's rows merged left to right, in the order of each key's first row. */
export function groupBy<T>(
  rows: Iterable<T>,
  key: (row: T) => string,
  merge: (a: T, b: T) => T,
): Map<string, T> {
  const map = new Map<string, T>();
  for (const row of rows) {
    const k = key(row);
    const seen = map.get(k);
    map.set(k, seen === undefined ? row : merge(seen, row));
  }
  return map;
}

/**
 * `groupBy` for a key of two parts, a string and a second part compared with `===`,
 * without building the `first|second` key string per row: that string is a rope (a
 * template literal), which the Map flattens and hashes on every lookup, twice per
 * status in a chunk (status rows by id and time, attempt rows by notification and
 * attempt). Rows are looked up by the first part; the composite key is built only for
 * a row whose first part an earlier group with another second part holds (a status id
 * at two times: none of Herald's). Groups come out in the order of their first row,
 * merged left to right, as `groupBy`'s `values()` do.
 */
export function groupByPair<T, S>(
  rows: readonly T[],
  first: (row: T) => string,
  second: (row: T) => S,
  merge: (a: T, b: T) => T,
): T[] {
  const groups: T[] = [];
  const byFirst = new Map<string, number>();
  let others: Map<string, number> | undefined;
  for (const row of rows) {
    const k = first(row);
    const i = byFirst.get(k);
    if (i === undefined) {
      byFirst.set(k, groups.length);
      groups.push(row);
    } else if (second(groups[i]!) === second(row)) {
      groups[i] = merge(groups[i]!, row);
    } else {
      others ??= new Map<string, number>();
      const k2 = `${k}|${String(second(row))}`;
      const j = others.get(k2);
      if (j === undefined) {
        others.set(k2, groups.length);
        groups.push(row);
      } else groups[j] = merge(groups[j]!, row);
    }
  }
  return groups;
}
