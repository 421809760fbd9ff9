import { parseClock, quietHoursEnd } from './quiet-hours.js';
import { firstInstantAt, instantsOf, offsetAt, wallClock } from './zoned-time.js';

const at = (iso: string): Date => new Date(iso);
const end = (
  quiet: Parameters<typeof quietHoursEnd>[0],
  zone: string,
  now: string,
): string | undefined => quietHoursEnd(quiet, zone, at(now))?.toISOString();

const NIGHT = { start: '22:00', end: '07:00' };

describe('quietHoursEnd', () => {
  it('defers to the end of an overnight window, before and after midnight', () => {
    // 23:30 and 03:00 in Berlin (CET, UTC+1) in January.
    expect(end(NIGHT, 'Europe/Berlin', '2026-01-10T22:30:00Z')).toBe('2026-01-11T06:00:00.000Z');
    expect(end(NIGHT, 'Europe/Berlin', '2026-01-11T02:00:00Z')).toBe('2026-01-11T06:00:00.000Z');
  });

  it('lets deliveries through outside the window and exactly at its end', () => {
    expect(end(NIGHT, 'Europe/Berlin', '2026-01-10T12:00:00Z')).toBeUndefined();
    expect(end(NIGHT, 'Europe/Berlin', '2026-01-11T06:00:00Z')).toBeUndefined();
    expect(end(NIGHT, 'Europe/Berlin', '2026-01-10T20:59:00Z')).toBeUndefined();
    expect(end(NIGHT, 'Europe/Berlin', '2026-01-10T21:00:00Z')).toBe('2026-01-11T06:00:00.000Z');
  });

  it('reads the window in the recipient zone, not in UTC', () => {
    const now = '2026-01-10T23:00:00Z'; // 00:00 Berlin, 18:00 New York, 08:00 Tokyo, 04:30 Kolkata
    expect(end(NIGHT, 'Europe/Berlin', now)).toBe('2026-01-11T06:00:00.000Z');
    expect(end(NIGHT, 'America/New_York', now)).toBeUndefined();
    expect(end(NIGHT, 'Asia/Tokyo', now)).toBeUndefined();
    expect(end(NIGHT, 'Asia/Kolkata', now)).toBe('2026-01-11T01:30:00.000Z'); // 07:00 IST, UTC+5:30
    expect(end(NIGHT, 'UTC', now)).toBe('2026-01-11T07:00:00.000Z');
  });

  it('handles same-day windows', () => {
    const work = { start: '09:00', end: '17:00' };
    expect(end(work, 'America/New_York', '2026-01-12T15:00:00Z')).toBe('2026-01-12T22:00:00.000Z');
    expect(end(work, 'America/New_York', '2026-01-12T23:00:00Z')).toBeUndefined();
  });

  it('treats equal start and end, or malformed times, as no window', () => {
    expect(end({ start: '07:00', end: '07:00' }, 'UTC', '2026-01-12T07:00:00Z')).toBeUndefined();
    expect(end({ start: '7pm', end: '07:00' }, 'UTC', '2026-01-12T20:00:00Z')).toBeUndefined();
    expect(parseClock('24:00')).toBeUndefined();
    expect(parseClock('23:59')).toBe(23 * 60 + 59);
  });

  it('only opens the window on the listed start days, following it past midnight', () => {
    const weeknights = { ...NIGHT, days: [1, 2, 3, 4, 5] }; // starts Monday..Friday evening
    // Friday 2026-01-16 23:00 UTC: window that started Friday → ends Saturday 07:00.
    expect(end(weeknights, 'UTC', '2026-01-16T23:00:00Z')).toBe('2026-01-17T07:00:00.000Z');
    // Saturday 03:00: still Friday night's window.
    expect(end(weeknights, 'UTC', '2026-01-17T03:00:00Z')).toBe('2026-01-17T07:00:00.000Z');
    // Saturday 23:00 and Sunday 03:00: no window starts on Saturday.
    expect(end(weeknights, 'UTC', '2026-01-17T23:00:00Z')).toBeUndefined();
    expect(end(weeknights, 'UTC', '2026-01-18T03:00:00Z')).toBeUndefined();
  });

  describe('across DST transitions', () => {
    it('Europe/Berlin spring forward: the night is an hour shorter', () => {
      // Sat 2026-03-28 23:30 CET → ends Sun 07:00 CEST (UTC+2) = 05:00Z; 8 h after 22:00 CET.
      expect(end(NIGHT, 'Europe/Berlin', '2026-03-28T22:30:00Z')).toBe('2026-03-29T05:00:00.000Z');
      // 04:00 CEST, after the jump.
      expect(end(NIGHT, 'Europe/Berlin', '2026-03-29T02:00:00Z')).toBe('2026-03-29T05:00:00.000Z');
    });

    it('Europe/Berlin fall back: the night is an hour longer', () => {
      // Sat 2026-10-24 23:30 CEST → ends Sun 07:00 CET (UTC+1) = 06:00Z.
      expect(end(NIGHT, 'Europe/Berlin', '2026-10-24T21:30:00Z')).toBe('2026-10-25T06:00:00.000Z');
    });

    it('America/New_York transitions on its own dates', () => {
      // Sat 2026-03-07 23:00 EST → Sun 07:00 EDT = 11:00Z.
      expect(end(NIGHT, 'America/New_York', '2026-03-08T04:00:00Z')).toBe(
        '2026-03-08T11:00:00.000Z',
      );
      // Sat 2026-10-31 23:00 EDT → Sun 07:00 EST = 12:00Z.
      expect(end(NIGHT, 'America/New_York', '2026-11-01T03:00:00Z')).toBe(
        '2026-11-01T12:00:00.000Z',
      );
    });

    it('an end inside the skipped hour moves to the end of the gap', () => {
      // Berlin jumps 02:00 CET → 03:00 CEST at 01:00Z; 02:30 never happens.
      const quiet = { start: '01:00', end: '02:30' };
      expect(end(quiet, 'Europe/Berlin', '2026-03-29T00:30:00Z')).toBe('2026-03-29T01:00:00.000Z');
    });

    it('an end inside the repeated hour uses the occurrence still ahead', () => {
      // Berlin repeats 02:00-03:00 on 2026-10-25: 02:30 is 00:30Z (CEST) and 01:30Z (CET).
      const quiet = { start: '01:00', end: '02:30' };
      expect(end(quiet, 'Europe/Berlin', '2026-10-24T23:15:00Z')).toBe('2026-10-25T00:30:00.000Z');
      // 02:10 CET, the second pass through the hour: the window still runs to 02:30 CET.
      expect(end(quiet, 'Europe/Berlin', '2026-10-25T01:10:00Z')).toBe('2026-10-25T01:30:00.000Z');
    });

    it('Australia/Lord_Howe: a half-hour DST shift', () => {
      // 2026-04-05 02:00 LHDT (UTC+11) = 15:00Z → 01:30 LHST (UTC+10:30); 01:30-02:00 repeats.
      const quiet = { start: '00:00', end: '01:45' };
      expect(end(quiet, 'Australia/Lord_Howe', '2026-04-04T14:00:00Z')).toBe(
        '2026-04-04T14:45:00.000Z',
      );
      expect(end(quiet, 'Australia/Lord_Howe', '2026-04-04T15:05:00Z')).toBe(
        '2026-04-04T15:15:00.000Z',
      );
    });
  });
});

describe('zoned time', () => {
  it('computes offsets and wall clocks with Intl', () => {
    expect(offsetAt(Date.parse('2026-01-10T12:00:00Z'), 'Europe/Berlin')).toBe(3_600_000);
    expect(offsetAt(Date.parse('2026-07-10T12:00:00Z'), 'Europe/Berlin')).toBe(7_200_000);
    expect(offsetAt(Date.parse('2026-07-10T12:00:00Z'), 'Asia/Kolkata')).toBe(19_800_000);
    expect(wallClock(Date.parse('2026-01-10T23:30:00Z'), 'Europe/Berlin')).toEqual({
      year: 2026,
      month: 1,
      day: 11,
      hour: 0,
      minute: 30,
      second: 0,
      weekday: 0,
    });
  });

  it('finds zero, one or two instants for a wall time', () => {
    expect(instantsOf(2026, 3, 29, 2, 30, 'Europe/Berlin')).toEqual([]);
    expect(
      instantsOf(2026, 10, 25, 2, 30, 'Europe/Berlin').map((t) => new Date(t).toISOString()),
    ).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']);
    expect(
      instantsOf(2026, 6, 1, 12, 0, 'Europe/Berlin').map((t) => new Date(t).toISOString()),
    ).toEqual(['2026-06-01T10:00:00.000Z']);
    expect(new Date(firstInstantAt(2026, 3, 8, 2, 15, 'America/New_York', 0)!).toISOString()).toBe(
      '2026-03-08T07:00:00.000Z',
    );
  });
});
