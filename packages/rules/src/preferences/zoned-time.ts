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
 * The instants at which the wall clock in `timeZone` reads the given time, earliest
 * first: one normally, two in a fall-back overlap, none in a spring-forward gap.
 */
export function instantsOf(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
): number[] {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // Offsets a day either side bracket any transition near this wall time.
  const offsets = new Set([offsetAt(wall - DAY, timeZone), offsetAt(wall + DAY, timeZone)]);
  return [...offsets]
    .map((o) => wall - o)
    .filter((t) => offsetAt(t, timeZone) === wall - t)
    .sort((a, b) => a - b);
}

/**
 * The first instant at which the wall clock in `timeZone` reads the given time *or
 * later* and which is after `after`: the wall time itself when it exists (its later
 * occurrence if the earlier one has passed), else the end of the spring-forward gap
 * that skipped it (a window ending at 02:30 on a night that jumps 02:00 → 03:00 ends
 * at 03:00).
 */
export function firstInstantAt(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
  after: number,
): number | undefined {
  const instants = instantsOf(year, month, day, hour, minute, timeZone);
  if (instants.length > 0) return instants.find((t) => t > after);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // In the gap: the transition lies between wall - later offset and wall - earlier offset.
  let lo = wall - offsetAt(wall + DAY, timeZone);
  let hi = wall - offsetAt(wall - DAY, timeZone);
  if (lo > hi) [lo, hi] = [hi, lo];
  const before = offsetAt(lo, timeZone);
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
    if (offsetAt(mid, timeZone) === before) lo = mid;
    else hi = mid;
  }
  return hi > after ? hi : undefined;
}

/** The calendar date `days` after the given one (handles month and year ends). */
export function addDays(
  year: number,
  month: number,
  day: number,
  days: number,
): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
