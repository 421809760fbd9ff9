/** Wall-clock fields of an instant in a zone; month 1-12, weekday 0 (Sunday)-6. */
export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    // Building a DateTimeFormat costs far more than using one; zones are few.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when Intl knows the IANA zone name. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `timeZone` at `instant` (ms since epoch). */
export function wallClock(instant: number, timeZone: string): WallClock {
  const fields: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) fields[part.type] = part.value;
  return {
    year: Number(fields.year),
    month: Number(fields.month),
    day: Number(fields.day),
    hour: Number(fields.hour),
    minute: Number(fields.minute),
    second: Number(fields.second),
    weekday: WEEKDAYS[fields.weekday!] ?? 0,
  };
}

const MINUTE = 60_000;
// Per zone, the offset of the last minute asked about. Zone transitions fall on whole
// minutes, so one minute has one offset; planning asks about the same `now` for every
// recipient in a zone, and formatToParts costs microseconds.
const lastOffset = new Map<string, { minute: number; offset: number }>();

/** UTC offset of `timeZone` at `instant`, in ms (positive east of Greenwich). */
export function offsetAt(instant: number, timeZone: string): number {
  const minute = Math.floor(instant / MINUTE);
  const cached = lastOffset.get(timeZone);
  if (cached !== undefined && cached.minute === minute) return cached.offset;
  const w = wallClock(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  const offset = asUtc - (instant - (((instant % 1000) + 1000) % 1000));
  lastOffset.set(timeZone, { minute, offset });
  return offset;
}

/** {@link wallClock} through the cached offset: the fast path for repeated `now`s. */
export function localClock(instant: number, timeZone: string): WallClock {
  const d = new Date(instant + offsetAt(instant, timeZone));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

const DAY = 86_400_000;

/**
 * The instant a wall-clock time happens in `timeZone`, resolving DST like Temporal's
 * `compatible` mode: a time skipped by a spring-forward gap moves forward by the gap
 * (02:30 → 03:30), a time repeated by a fall-back overlap takes its first occurrence.
 */
export function instantOf(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const before = offsetAt(wall - DAY, timeZone);
  const after = offsetAt(wall + DAY, timeZone);
  const valid = [...new Set([before, after])].map((o) => wall - o).filter((t) => offsetAt(t, timeZone) === wall - t);
  if (valid.length === 0) return wall - before; // in the gap: shift forward by it
  return Math.min(...valid);
}

/** The calendar date `days` after the given one (handles month and year ends). */
export function addDays(year: number, month: number, day: number, days: number): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
