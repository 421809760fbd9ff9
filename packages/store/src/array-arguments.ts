import { sql, type RawBuilder } from 'kysely';

// Batch inserts as one array parameter per column (the auditor's chunk, migrations/0016).

/** Column name → Postgres type, in insert order. */
export type Columns<Row> = readonly (readonly [keyof Row & string, string])[];

// Text a Postgres array element may not hold as it is: quotes and backslashes are
// escaped; NUL, which no Postgres text can hold, becomes U+FFFD (a status carrying one
// would otherwise fail its chunk on every retry and wedge the partition).
const NUL = String.fromCharCode(0);
const needsEscape = new RegExp(`["\\\\${NUL}]`);
const nuls = new RegExp(NUL, 'g');

/**
 * One column as a Postgres array literal (`{"a","b",NULL}`), built here rather than
 * by pg: Herald knows each column's type, so only text is quoted and escaped, and
 * uuids, numbers, booleans and canonical times go as they are (pg escapes every
 * element of every array with two regular expressions; see docs/benchmarks.md).
 */
export function arrayLiteral<Row>(rows: readonly Row[], name: keyof Row, type: string): string {
  // Appended to one string rather than joined from an array of parts: no array of
  // element strings per column, ~10 % less CPU per chunk with pg's encoding included
  // (docs/benchmarks.md, "Round 3: per-record costs").
  const text = type === 'text';
  let literal = '{';
  for (let i = 0; i < rows.length; i++) {
    if (i > 0) literal += ',';
    const v = rows[i]![name] as unknown;
    if (v === null || v === undefined) literal += 'NULL';
    else if (text) {
      const t = v as string;
      literal += needsEscape.test(t)
        ? `"${t.replace(nuls, '\uFFFD').replace(/["\\]/g, '\\$&')}"`
        : `"${t}"`;
    } else if (typeof v === 'boolean') literal += v ? 't' : 'f';
    else literal += typeof v === 'string' ? v : String(v);
  }
  return literal + '}';
}

/**
 * One array argument per column (`$n::type[]`) for a statement that inserts the rows
 * from `unnest(…)` (herald_audit_write, migrations/0016): one parameter per column
 * instead of one per value, so Postgres parses a short statement and a batch is not
 * bounded by the 65,535-parameter limit; measured about twice as fast as a VALUES
 * list of the same rows (see bench/).
 */
export function arrayArguments<Row>(
  columns: Columns<Row>,
  rows: readonly Row[],
): RawBuilder<unknown>[] {
  return columns.map(([name, type]) => sql`${arrayLiteral(rows, name, type)}::${sql.raw(type)}[]`);
}
