import { CelEngine } from './cel-engine.js';
import { fromCelValue, toCelValue } from './cel-value.js';
import { wallClock } from './cel-time.js';

// The CEL defects of Herald issue 12, item 11, through the engine rules use.
const engine = new CelEngine();
const now = new Date('2026-03-01T12:00:00Z');
const event = toCelValue({ data: { count: 3, price: 1.0, big: 9007199254740991 } });

function evaluate(expression: string): { ok: true; value: unknown } | { ok: false; code: string } {
  const compiled = engine.compile(expression, 'value');
  if (!compiled.ok) throw new Error(`did not compile: ${compiled.summary}`);
  const result = compiled.program.evaluate({ event, recipient: {}, now });
  return result.ok
    ? { ok: true, value: fromCelValue(result.value) }
    : { ok: false, code: result.code };
}

const value = (expression: string): unknown => {
  const result = evaluate(expression);
  if (!result.ok) throw new Error(`failed with ${result.code}`);
  return result.value;
};

describe('int overflow', () => {
  it.each([
    '-(-9223372036854775808)',
    '-9223372036854775808 / -1',
    '-9223372036854775808 % -1',
    '9223372036854775807 + 1',
    '-9223372036854775808 - 1',
    'int(9223372036854775807.0)',
    'int(-9223372036854775808.0)',
    'int(1e19)',
    'int(18446744073709551615u)',
    'math.abs(-9223372036854775808)',
  ])('%s is a numeric_overflow error', (expression) => {
    expect(evaluate(expression)).toEqual({ ok: false, code: 'numeric_overflow' });
  });

  it('keeps the values in range', () => {
    expect(value('-(-9223372036854775807)')).toBe('9223372036854775807');
    expect(value('-9223372036854775807 / -1')).toBe('9223372036854775807');
    expect(value('int(9223372036854774784.0)')).toBe('9223372036854774784');
    expect(value('int(42u)')).toBe(42);
  });
});

describe('timestamp and duration ranges', () => {
  it.each([
    ["timestamp('9999-12-31T23:59:59Z') + duration('1s')", 'timestamp_out_of_range'],
    ["duration('1s') + timestamp('9999-12-31T23:59:59Z')", 'timestamp_out_of_range'],
    ["timestamp('0001-01-01T00:00:00Z') - duration('1ms')", 'timestamp_out_of_range'],
    ["duration('320000000000s')", 'duration_out_of_range'],
    ["duration('300000000000s') + duration('100000000000s')", 'duration_out_of_range'],
    ["duration('-300000000000s') - duration('100000000000s')", 'duration_out_of_range'],
  ])('%s is a %s error', (expression, code) => {
    expect(evaluate(expression)).toEqual({ ok: false, code });
  });

  it('keeps the edges and types duration + timestamp as a timestamp', () => {
    expect(value("timestamp('9999-12-31T23:59:58Z') + duration('1s')")).toBe(
      '9999-12-31T23:59:59.000Z',
    );
    expect(value("duration('1h') + timestamp('2026-03-01T11:00:00Z') == now")).toBe(true);
    expect(value('timestamp(event.data.count) < now')).toBe(true);
  });
});

describe('time zones: IANA names and fixed offsets', () => {
  const ts = "timestamp('2009-02-13T23:31:30Z')";
  it.each([
    [`${ts}.getHours('+11:00')`, 10],
    [`${ts}.getDayOfMonth('+11:00')`, 13],
    [`${ts}.getDayOfMonth('-02:30')`, 12],
    [`${ts}.getMinutes('-02:30')`, 1],
    [`${ts}.getHours('02:00')`, 1],
    [`${ts}.getFullYear('-09:30')`, 2009],
    [`${ts}.getSeconds('-00:00')`, 30],
    [`${ts}.getHours('Australia/Sydney')`, 10],
    [`${ts}.getDayOfWeek('Asia/Tokyo')`, 6],
    [`${ts}.getDayOfYear('UTC')`, 43],
    [`${ts}.getMonth('America/Los_Angeles')`, 1],
  ])('%s == %d', (expression, expected) => {
    expect(value(expression)).toBe(expected);
  });

  it('refuses an unknown zone with an error, not a crash', () => {
    expect(evaluate(`${ts}.getHours('Mars/Olympus')`)).toEqual({
      ok: false,
      code: 'invalid_time_zone',
    });
  });

  it('does not depend on the process time zone', () => {
    // wallClock's UTC fields are the zone's wall clock whatever TZ the process has.
    const local = wallClock(new Date('2026-07-01T00:30:00Z'), 'Europe/Berlin');
    expect(local.toISOString()).toBe('2026-07-01T02:30:00.000Z');
  });
});

describe('numeric equality across int, uint and double', () => {
  it.each([
    ['1.0 == 1', true],
    ['1 == 1.0', true],
    ['1u == 1', true],
    ['1u == 1.0', true],
    ['1.5 == 1', false],
    ['1.0 != 1', false],
    ['event.data.price == 1', true],
    ['event.data.count == 3.0', true],
  ])('%s is %s and type-checks', (expression, expected) => {
    expect(engine.compile(expression, 'bool').ok).toBe(true);
    expect(value(expression)).toBe(expected);
  });
});

describe('math extension', () => {
  it.each([
    ['math.greatest(1, 2.5, 2u)', 2.5],
    ['math.greatest([3, 9, 4])', 9],
    ['math.least(1, -2, 3)', -2],
    ['math.least([2.5])', 2.5],
    ['math.greatest(event.data.count, 2)', 3],
    ['math.ceil(1.2)', 2],
    ['math.floor(-1.2)', -2],
    ['math.round(2.5)', 3],
    ['math.round(-2.5)', -3],
    ['math.trunc(-1.7)', -1],
    ['math.abs(-4)', 4],
    ['math.sign(-4.5)', -1],
    ['math.isNaN(0.0 / 0.0)', true],
    ['math.isInf(1.0 / 0.0)', true],
    ['math.isFinite(1.0)', true],
    ['math.sqrt(16)', 4],
    ['math.bitAnd(12, 10)', 8],
    ['math.bitOr(12, 10)', 14],
    ['math.bitXor(12, 10)', 6],
    ['math.bitNot(0)', -1],
    ['math.bitShiftLeft(1, 4)', 16],
    ['math.bitShiftRight(-1, 60)', 15],
  ])('%s == %p', (expression, expected) => {
    expect(value(expression)).toBe(expected);
  });

  it('refuses an empty list', () => {
    expect(evaluate('math.greatest([])')).toMatchObject({ ok: false });
  });
});

describe('string format', () => {
  it.each([
    ['"%d".format([42])', '42'],
    ['"%d items".format([event.data.count])', '3 items'],
    ['"%s and %s".format(["a", 1])', 'a and 1'],
    ['"%.2f".format([3.14159])', '3.14'],
    ['"%f".format([2.71828])', '2.718280'],
    ['"%.0f".format([2.5])', '2'],
    ['"%e".format([1052.032911275])', '1.052033e+03'],
    ['"%x %X %o %b".format([255, 255, 8, 5])', 'ff FF 10 101'],
    ['"%s".format([[1, "a", [true]]])', '[1, a, [true]]'],
    ['"%s".format([{"b": 1, "a": 2}])', '{a: 2, b: 1}'],
    ['"%s".format([timestamp("2023-02-03T23:31:20Z")])', '2023-02-03T23:31:20Z'],
    ['"100%%".format([])', '100%'],
  ])('%s == %p', (expression, expected) => {
    expect(value(expression)).toBe(expected);
  });

  it.each(['"%d".format([])', '"%d".format(["a"])', '"%q".format([1])'])(
    '%s is a format_error',
    (expression) => {
      expect(evaluate(expression)).toEqual({ ok: false, code: 'format_error' });
    },
  );
});
