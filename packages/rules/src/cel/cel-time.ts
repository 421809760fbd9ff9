import type { Environment } from '@marcbachmann/cel-js';
import type { Duration } from '@marcbachmann/cel-js/evaluator';
import type { BuiltinReplacement, Handler } from './cel-builtins.js';
import { celError } from './cel-errors.js';
import { isValidTimeZone, wallClock as zoneWallClock } from '../preferences/zoned-time.js';

/**
 * Timestamps and durations as the CEL spec has them, where cel-js 8 differs:
 *
 * - ranges: a timestamp lies in 0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999999999Z
 *   and a duration within ±10,000 years (315,576,000,000 s), a difference of two
 *   timestamps within int64 nanoseconds (±292 years, as cel-go); arithmetic that leaves
 *   the range is an error (cel-js returned out-of-range values);
 * - time zones: the selectors' zone argument is an IANA name or a fixed UTC offset
 *   (`+11:00`, `-02:30`, `02:00`); cel-js refused offsets and computed the wall clock
 *   through the process's local time zone, so results depended on `TZ`;
 * - `duration + timestamp` is a timestamp (cel-js declared it a duration);
 * - conversions cel-js lacks: `int(timestamp)`, `string(timestamp)`,
 *   `string(duration)`, `timestamp(timestamp)`, `duration(duration)`.
 *
 * Timestamps stay JS `Date`s, so they carry milliseconds, not nanoseconds.
 */

const MIN_TIMESTAMP_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z
const MAX_TIMESTAMP_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
const MAX_DURATION_SECONDS = 315_576_000_000n;
const MAX_DIFFERENCE_MS = 9_223_372_036_854; // 2^63 - 1 nanoseconds

const TS = 'google.protobuf.Timestamp';
const DUR = 'google.protobuf.Duration';

export function checkedTimestamp(date: Date): Date {
  const ms = date.getTime();
  if (ms >= MIN_TIMESTAMP_MS && ms <= MAX_TIMESTAMP_MS) return date;
  throw celError('timestamp_out_of_range', 'timestamp out of range (0001-01-01 to 9999-12-31)');
}

export function checkedDuration(duration: Duration): Duration {
  const s = duration.seconds;
  if (s <= MAX_DURATION_SECONDS && s >= -MAX_DURATION_SECONDS) return duration;
  throw celError('duration_out_of_range', 'duration out of range (±315576000000s)');
}

const OFFSET = /^([+-])?(\d{2}):(\d{2})$/;

/**
 * A Date whose UTC fields are the wall clock of `date` in `zone` (IANA name or
 * `[+-]HH:MM`), so `getUTCHours()` etc. read local time without the process's zone.
 */
export function wallClock(date: Date, zone: string): Date {
  const offset = OFFSET.exec(zone);
  if (offset) {
    const minutes = Number(offset[2]) * 60 + Number(offset[3]);
    return new Date(date.getTime() + (offset[1] === '-' ? -minutes : minutes) * 60_000);
  }
  // IANA names share the preferences' cached formatters (zoned-time.ts).
  if (!isValidTimeZone(zone)) throw celError('invalid_time_zone', `unknown time zone: ${zone}`);
  const parts = zoneWallClock(date.getTime(), zone);
  const local = new Date(0);
  local.setUTCFullYear(parts.year, parts.month - 1, parts.day);
  local.setUTCHours(parts.hour, parts.minute, parts.second, date.getUTCMilliseconds());
  return local;
}

function dayOfYear(d: Date): number {
  const start = new Date(0);
  start.setUTCFullYear(d.getUTCFullYear(), 0, 1);
  return Math.floor((d.getTime() - start.getTime()) / 86_400_000);
}

const SELECTORS: Record<string, (d: Date) => number> = {
  getFullYear: (d) => d.getUTCFullYear(),
  getMonth: (d) => d.getUTCMonth(),
  getDate: (d) => d.getUTCDate(),
  getDayOfMonth: (d) => d.getUTCDate() - 1,
  getDayOfWeek: (d) => d.getUTCDay(),
  getDayOfYear: dayOfYear,
  getHours: (d) => d.getUTCHours(),
  getMinutes: (d) => d.getUTCMinutes(),
  getSeconds: (d) => d.getUTCSeconds(),
  getMilliseconds: (d) => d.getUTCMilliseconds(),
};

const PROBE_TS = "timestamp('2009-02-13T23:31:30Z')";
const PROBE_DUR = "duration('1s')";

export const timeReplacements: readonly BuiltinReplacement[] = [
  ...Object.entries(SELECTORS).map(([name, field]) => ({
    probe: `${PROBE_TS}.${name}(dyn('UTC'))`,
    signature: `${TS}.${name}(string): int`,
    replace: (): Handler => (d: Date, zone: string) => BigInt(field(wallClock(d, zone))),
  })),
  {
    probe: `${PROBE_TS} + dyn(${PROBE_DUR})`,
    signature: `${TS} + ${DUR}: ${TS}`,
    replace: () => (a: Date, b: Duration) => checkedTimestamp(b.extendTimestamp(a)),
  },
  {
    probe: `${PROBE_DUR} + dyn(${PROBE_TS})`,
    signature: `${DUR} + ${TS}: ${DUR}`,
    returnTypeOf: `${TS} + ${DUR}: ${TS}`,
    replace: () => (a: Duration, b: Date) => checkedTimestamp(a.extendTimestamp(b)),
  },
  {
    probe: `${PROBE_TS} - dyn(${PROBE_DUR})`,
    signature: `${TS} - ${DUR}: ${TS}`,
    replace: () => (a: Date, b: Duration) => checkedTimestamp(b.subtractTimestamp(a)),
  },
  {
    probe: `${PROBE_TS} - dyn(${PROBE_TS})`,
    signature: `${TS} - ${TS}: ${DUR}`,
    // Like cel-go: a difference must fit int64 nanoseconds (about ±292 years).
    replace: (original) => (a: Date, b: Date) => {
      const ms = a.getTime() - b.getTime();
      if (Math.abs(ms) > MAX_DIFFERENCE_MS) {
        throw celError('duration_out_of_range', 'timestamp difference out of range (±292 years)');
      }
      return original(a, b);
    },
  },
  ...(['+', '-'] as const).map((op) => ({
    probe: `${PROBE_DUR} ${op} dyn(${PROBE_DUR})`,
    signature: `${DUR} ${op} ${DUR}: ${DUR}`,
    replace:
      (original: Handler): Handler =>
      (a: Duration, b: Duration) =>
        checkedDuration(original(a, b) as Duration),
  })),
  {
    probe: `duration(dyn('1s'))`,
    signature: `duration(string): ${DUR}`,
    replace: (original) => (s: string) => checkedDuration(original(s) as Duration),
  },
];

/** Conversions cel-js 8 lacks; new signatures, so registered the ordinary way. */
export function registerTimeConversions(env: Environment): void {
  env
    .registerFunction(`int(${TS}): int`, (d: Date) => BigInt(Math.floor(d.getTime() / 1000)))
    .registerFunction(`string(${TS}): string`, timestampText)
    .registerFunction(`string(${DUR}): string`, (d: Duration) => d.toString())
    .registerFunction(`timestamp(${TS}): ${TS}`, (d: Date) => d)
    .registerFunction(`duration(${DUR}): ${DUR}`, (d: Duration) => d);
}

/** RFC 3339 in UTC, fraction only when there is one: `2009-02-13T23:31:30Z`. */
export function timestampText(d: Date): string {
  return d.toISOString().replace(/\.?0*Z$/, 'Z');
}
