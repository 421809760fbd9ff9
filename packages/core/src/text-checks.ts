// Checks of the two shapes every status event carries several times: a uuid and a
// canonical ISO time. One compiled regular expression each (V8's irregexp beat a
// character loop here: 50–80 ns against 80–160 ns), and for a time's calendar a few
// digit comparisons instead of `Date.parse` (~200 ns), which also accepts dates that
// Postgres refuses (docs/benchmarks.md, "Round 3: per-record costs").

/** RFC 9562 versions 1–8, RFC variant, either case (what zod's `z.uuid()` accepts, less nil/max). */
const uuid =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$/;
/** `toISOString()` output for years 0000–9999: what Herald's publishers write. */
const canonical = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * An RFC 9562 uuid of versions 1–8 with the RFC variant, either case.
 *
 * @example
 * isUuid('0190a8b0-7c4e-7a1b-9c3d-2e4f5a6b7c8d'); // true
 */
export const isUuid = (s: string): boolean => uuid.test(s);

/**
 * The `toISOString()` spelling (`YYYY-MM-DDTHH:mm:ss.sssZ`, 24 characters), by shape
 * only: digits where digits go. Strings of this shape compare in time order.
 */
export const hasCanonicalTimeShape = (s: string): boolean => canonical.test(s);

const number2 = (s: string, at: number) =>
  (s.charCodeAt(at) - 48) * 10 + (s.charCodeAt(at + 1) - 48);

/**
 * A canonical time (see `hasCanonicalTimeShape`) that is a real instant: month 1–12, a
 * day the month has, hour 0–23, minute and second 0–59. `Date.parse` accepts
 * `2026-02-31T…` (it rolls over to March) and Postgres refuses it, so a status carrying
 * one used to fail its chunk's insert on every retry.
 */
export const isValidCanonicalTime = (s: string): boolean =>
  hasCanonicalTimeShape(s) && isCalendarTime(s);

/** The calendar check of `isValidCanonicalTime`, on a string of the canonical shape. */
function isCalendarTime(s: string): boolean {
  const year = number2(s, 0) * 100 + number2(s, 2);
  const month = number2(s, 5);
  const day = number2(s, 8);
  // Postgres has no year 0 (1 BC comes before 1 AD).
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  return (
    day <= daysInMonth(year, month) &&
    number2(s, 11) < 24 &&
    number2(s, 14) < 60 &&
    number2(s, 17) < 60
  );
}

/** The days month 1–12 of a (proleptic Gregorian) year has: Postgres' calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * A time a Herald record may carry: a valid canonical time (the hot path, no parsing),
 * or any other spelling `Date.parse` reads (an offset, no milliseconds), which readers
 * normalise through `Date`. A canonical spelling of an impossible date is refused.
 */
export function isRecordTime(s: string): boolean {
  if (hasCanonicalTimeShape(s)) return isCalendarTime(s);
  return !Number.isNaN(Date.parse(s));
}
