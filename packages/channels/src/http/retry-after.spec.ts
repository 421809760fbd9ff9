import { parseRetryAfter, secondsToMs } from './retry-after.js';

const now = new Date('2030-01-01T00:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    [' 5 ', 5_000],
    ['0', 0],
    ['1.5', 1_500],
    ['Tue, 01 Jan 2030 00:01:00 GMT', 60_000],
    ['Mon, 31 Dec 2029 23:00:00 GMT', 0],
  ])('%p → %p ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it.each([undefined, null, '', 'soon', '-5', '12abc'])('%p → undefined', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });

  it('reads the first value of a repeated header', () => {
    expect(parseRetryAfter(['3', '9'], now)).toBe(3_000);
  });
});

describe('secondsToMs', () => {
  it('converts JSON seconds, rounding up', () => {
    expect(secondsToMs(0.0015)).toBe(2);
    expect(secondsToMs('4')).toBe(4_000);
    expect(secondsToMs(-1)).toBeUndefined();
    expect(secondsToMs('x')).toBeUndefined();
    expect(secondsToMs(undefined)).toBeUndefined();
  });
});
