import type { ChannelName } from '@herald/core';
import { addDays, firstInstantAt, localClock } from './zoned-time.js';

/**
 * A daily window in which non-critical deliveries wait. `start` and `end` are wall
 * clock `HH:MM` in the recipient's zone; `end` before `start` spans midnight
 * (`22:00`–`07:00`). Equal times mean no window.
 */
export interface QuietHours {
  readonly start: string;
  readonly end: string;
  /** Days (0 = Sunday … 6) on which a window *starts*; default every day. */
  readonly days?: readonly number[];
  /** Only these channels wait; default all. */
  readonly channels?: readonly ChannelName[];
  /** Overrides the recipient's zone. */
  readonly timezone?: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight for `HH:MM`, or undefined. */
export function parseClock(text: string): number | undefined {
  const m = HHMM.exec(text);
  return m === null ? undefined : Number(m[1]) * 60 + Number(m[2]);
}

/**
 * When `now` falls inside the quiet window in `timeZone`, the instant the window
 * ends (the delivery's `notBefore`); otherwise undefined. DST-aware: the end is the
 * first instant after `now` at which the local clock reads `end` or later, so a
 * 22:00–07:00 window lasts 8 hours on the spring-forward night and 10 on the
 * fall-back night in Europe; an end inside a skipped hour moves to the end of the
 * gap, and inside a repeated hour to the occurrence still ahead.
 *
 * @example
 * quietHoursEnd({ start: '22:00', end: '07:00' }, 'Europe/Berlin', new Date('2026-01-10T22:30:00Z'))
 * // → 2026-01-11T06:00:00.000Z
 */
export function quietHoursEnd(quiet: QuietHours, timeZone: string, now: Date): Date | undefined {
  const start = parseClock(quiet.start);
  const end = parseClock(quiet.end);
  if (start === undefined || end === undefined || start === end) return undefined;
  const local = localClock(now.getTime(), timeZone);
  const minute = local.hour * 60 + local.minute;
  const startsOn = (weekday: number): boolean =>
    quiet.days === undefined || quiet.days.includes(weekday);

  let endDate: { year: number; month: number; day: number } | undefined;
  if (start < end) {
    if (minute >= start && minute < end && startsOn(local.weekday)) endDate = local;
  } else if (minute >= start && startsOn(local.weekday)) {
    endDate = addDays(local.year, local.month, local.day, 1);
  } else if (minute < end && startsOn((local.weekday + 6) % 7)) {
    endDate = local; // the window began yesterday evening
  }
  if (endDate === undefined) return undefined;
  const endsAt = firstInstantAt(
    endDate.year,
    endDate.month,
    endDate.day,
    Math.floor(end / 60),
    end % 60,
    timeZone,
    now.getTime(),
  );
  return endsAt === undefined ? undefined : new Date(endsAt);
}
