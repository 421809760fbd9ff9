import { sql, type RawBuilder } from 'kysely';
import { daysInMonth } from '@herald/core';

// Batch inserts as one array parameter per column (the auditor's chunk, migrations/0016),
// each sent in Postgres' binary array format where Herald can encode it exactly.

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
  return columns.map(
    ([name, type]) =>
      sql`${arrayBinary(rows, name, type) ?? arrayLiteral(rows, name, type)}::${sql.raw(type)}[]`,
  );
}

// Binary array parameters (Postgres' array_send format), the form pg sends a Buffer in.
// Parsing the text arrays was ~10 % of the auditor's backend CPU (array_in, and per
// element timestamptz_in, uuid_in; docs/benchmarks.md, "Round 9 (issue 19): the audit
// write's arguments"); array_recv reads fixed-width elements and copies text as it is.
// The parameter's type is the same (`$n::timestamptz[]` either way), so herald_audit_write
// and its signature do not change, and a column whose values this cannot encode exactly
// goes as the text literal above, which Postgres parses (or refuses) as it always did.

/** pg_type oids of the element types Herald sends in binary. */
const elementOids: Readonly<Record<string, number>> = {
  uuid: 2950,
  timestamptz: 1184,
  int4: 23,
  bool: 16,
  text: 25,
};

const hexValues = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) hexValues[48 + i] = i;
for (let i = 0; i < 6; i++) hexValues[65 + i] = hexValues[97 + i] = 10 + i;

/** Where each of a hyphenated uuid's 16 hex pairs starts. */
const uuidPairs = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const hexAt = (s: string, i: number): number => {
  const c = s.charCodeAt(i);
  return c < 128 ? hexValues[c]! : -1;
};

/** A hyphenated uuid's 16 bytes at `at`; false (nothing to trust) if it is not one. */
function writeUuid(buf: Buffer, at: number, s: string): boolean {
  if (
    s.length !== 36 ||
    s.charCodeAt(8) !== 45 ||
    s.charCodeAt(13) !== 45 ||
    s.charCodeAt(18) !== 45 ||
    s.charCodeAt(23) !== 45
  )
    return false;
  let bad = 0;
  for (let k = 0; k < 16; k++) {
    const i = uuidPairs[k]!;
    const h = hexAt(s, i);
    const l = hexAt(s, i + 1);
    bad |= h | l; // negative once any is not a hex digit
    buf[at + k] = (h << 4) | l;
  }
  return bad >= 0;
}

/** A big-endian 32-bit integer at `at`, byte by byte (cheaper than writeInt32BE's checks). */
function int32(buf: Buffer, at: number, v: number): void {
  buf[at] = v >>> 24;
  buf[at + 1] = v >>> 16;
  buf[at + 2] = v >>> 8;
  buf[at + 3] = v;
}

/** Two digits at `at`, or −1 if either is not a digit. */
function digits2(s: string, at: number): number {
  const h = s.charCodeAt(at) - 48;
  const l = s.charCodeAt(at + 1) - 48;
  return h >= 0 && h <= 9 && l >= 0 && l <= 9 ? h * 10 + l : -1;
}
const two32 = 4294967296;
/** Days from 1970-01-01 to 2000-01-01, Postgres' epoch. */
const postgresEpochDays = 10957;

/**
 * A canonical time (`toISOString()`, `YYYY-MM-DDTHH:mm:ss.sssZ`, years 0001–9999, a real
 * calendar day: what `isValidCanonicalTime` accepts, which is what Postgres' text input
 * accepts of that shape) as Postgres' timestamptz: int64 microseconds since
 * 2000-01-01 UTC, written as two 32-bit halves (beyond year ~2255 microseconds exceed a
 * double's integers). Checked and read in one pass over the characters; `previous`
 * holds the last time written (a chunk repeats its times: a notification's statuses
 * share its event time).
 */
function writeCanonicalTime(buf: Buffer, at: number, s: string, previous: PreviousTime): boolean {
  if (s === previous.text) {
    int32(buf, at, previous.high);
    int32(buf, at + 4, previous.low);
    return true;
  }
  if (
    s.length !== 24 ||
    s.charCodeAt(4) !== 45 || // -
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 || // T
    s.charCodeAt(13) !== 58 || // :
    s.charCodeAt(16) !== 58 ||
    s.charCodeAt(19) !== 46 || // .
    s.charCodeAt(23) !== 90 // Z
  )
    return false;
  const century = digits2(s, 0);
  const yy = digits2(s, 2);
  const month = digits2(s, 5);
  const day = digits2(s, 8);
  const hour = digits2(s, 11);
  const minute = digits2(s, 14);
  const second = digits2(s, 17);
  const ms10 = digits2(s, 20);
  const ms1 = s.charCodeAt(22) - 48;
  if (century < 0 || yy < 0 || ms10 < 0 || ms1 < 0 || ms1 > 9) return false;
  const year = century * 100 + yy;
  // isValidCanonicalTime's calendar: Postgres has no year 0; a day the month has.
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return false;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  if (day > daysInMonth(year, month)) return false;
  // Days from civil (H. Hinnant's algorithm, proleptic Gregorian, as Postgres counts).
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468 - postgresEpochDays;
  const ms = ((days * 24 + hour) * 60 + minute) * 60000 + second * 1000 + ms10 * 10 + ms1;
  // µs = ms × 1000 = (q × 1000 + q2) × 2³² + low, every step exact in a double.
  const q = Math.floor(ms / two32);
  const r = (ms - q * two32) * 1000;
  const q2 = Math.floor(r / two32);
  previous.text = s;
  previous.high = q * 1000 + q2;
  previous.low = r - q2 * two32;
  int32(buf, at, previous.high);
  int32(buf, at + 4, previous.low);
  return true;
}

interface PreviousTime {
  text: string | undefined;
  high: number;
  low: number;
}

const fixedWidths: Readonly<Record<string, number>> = {
  uuid: 16,
  timestamptz: 8,
  int4: 4,
  bool: 1,
};

/**
 * One column as a binary one-dimensional array (`array_send`'s format: dimensions,
 * a null flag, the element type's oid, then each element's length and bytes; NULL is
 * length −1), or undefined when a value is not one this encodes exactly (a time not in
 * canonical form, a uuid not hyphenated, an integer out of int4, a type not listed):
 * the caller then sends the column as a text literal.
 */
export function arrayBinary<Row>(
  rows: readonly Row[],
  name: keyof Row,
  type: string,
): Buffer | undefined {
  const oid = elementOids[type];
  if (oid === undefined) return undefined;
  const fixed = fixedWidths[type];
  let size = 20; // ndim, flags, oid, one dimension's length and lower bound
  if (fixed !== undefined) size += rows.length * (4 + fixed);
  else
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i]![name] as unknown;
      if (v === null || v === undefined) size += 4;
      else if (typeof v !== 'string') return undefined;
      // UTF-8 takes at most 3 bytes per UTF-16 unit (a pair: 4 for 2; a lone half: U+FFFD).
      else size += 4 + 3 * v.length;
    }
  const buf = Buffer.allocUnsafe(size);
  int32(buf, 0, rows.length === 0 ? 0 : 1);
  int32(buf, 4, 0);
  int32(buf, 8, oid);
  if (rows.length === 0) return buf.subarray(0, 12);
  int32(buf, 12, rows.length);
  int32(buf, 16, 1);
  let at = 20;
  let nulls = 0;
  const previous: PreviousTime = { text: undefined, high: 0, low: 0 };
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i]![name] as unknown;
    if (v === null || v === undefined) {
      int32(buf, at, -1);
      at += 4;
      nulls = 1;
      continue;
    }
    switch (type) {
      case 'text': {
        const t = v as string;
        // NUL becomes U+FFFD, as in the text literal (Postgres text cannot hold it).
        const n = buf.write(t.includes(NUL) ? t.replace(nuls, '\uFFFD') : t, at + 4, 'utf8');
        int32(buf, at, n);
        at += 4 + n;
        continue;
      }
      case 'uuid':
        if (typeof v !== 'string' || !writeUuid(buf, at + 4, v)) return undefined;
        break;
      case 'timestamptz':
        if (typeof v !== 'string' || !writeCanonicalTime(buf, at + 4, v, previous))
          return undefined;
        break;
      case 'int4':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < -two32 / 2 || v >= two32 / 2)
          return undefined;
        int32(buf, at + 4, v);
        break;
      default:
        if (typeof v !== 'boolean') return undefined;
        buf[at + 4] = v ? 1 : 0;
    }
    int32(buf, at, fixed!);
    at += 4 + fixed!;
  }
  int32(buf, 4, nulls);
  return buf.subarray(0, at);
}
