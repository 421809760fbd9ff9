import { CelEngine } from './cel-engine.js';
import type { CelEvalResult } from './cel-engine.js';
import { celValueToString, fromCelValue, toCelValue } from './cel-value.js';

const engine = new CelEngine();
const now = new Date('2026-03-01T12:00:00Z');

const event = {
  specversion: '1.0',
  id: 'e1',
  source: '/shop',
  type: 'order.created',
  time: '2026-03-01T11:00:00Z',
  tenantid: 'acme',
  data: {
    count: 3,
    whole: 3.0,
    price: 3.5,
    negative: -7,
    huge: 2 ** 60,
    nothing: null,
    flag: false,
    tags: ['urgent', 'billing'],
    counts: [1, 2, 3],
    customer: { tier: 'gold', address: { city: 'Berlin' } },
    'dash-key': 'yes',
    shippedAt: '2026-03-01T10:30:00+01:00',
  },
};

function run(
  expression: string,
  kind: 'bool' | 'value' = 'bool',
  recipient: unknown = {},
): CelEvalResult {
  const compiled = engine.compile(expression, kind);
  if (!compiled.ok) throw new Error(`did not compile: ${compiled.summary}`);
  return compiled.program.evaluate({
    event: toCelValue(event),
    recipient: toCelValue(recipient),
    now,
  });
}

const value = (expression: string): unknown => {
  const result = run(expression, 'value');
  if (!result.ok) throw new Error(result.reason);
  return fromCelValue(result.value);
};

describe('JSON → CEL mapping', () => {
  it.each([
    ['event.data.count > 2', true],
    ['event.data.count == 3', true],
    ['event.data.count == 3.0', true],
    ['event.data.count > 2.5', true],
    ['event.data.count < 3.5', true],
    ['event.data.count >= 3u', true],
    ['event.data.count * 2 == 6', true],
    ['event.data.count + 1 == 4', true],
    ['event.data.count in [1, 2, 3]', true],
    ['event.data.whole == 3', true],
    ['event.data.whole + 1 == 4', true],
    ['event.data.price > 3', true],
    ['event.data.price == 3.5', true],
    ['event.data.price + 1.0 == 4.5', true],
    ['double(event.data.count) + 0.5 == 3.5', true],
    ['event.data.negative < 0', true],
    ['event.data.huge > 1000000000000000000.0', true],
    ['3.0 in event.data.counts', true],
  ])('numbers: %s → %s', (expression, expected) => {
    expect(run(expression)).toEqual({ ok: true, value: expected });
  });

  it('makes whole JSON numbers ints and the rest doubles', () => {
    expect(toCelValue({ a: 3, b: 3.0, c: 3.5, d: 2 ** 60 })).toEqual({
      a: 3n,
      b: 3n,
      c: 3.5,
      d: 2 ** 60,
    });
    expect(value('type(event.data.count) == int')).toBe(true);
    expect(value('type(event.data.price) == double')).toBe(true);
    expect(value('type(event.data.huge) == double')).toBe(true);
  });

  it('keeps int/double arithmetic strict, as CEL does: a mixed sum is an evaluation error', () => {
    const result = run('event.data.price + 1 > 0');
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain('no such overload');
  });

  it('reports a missing field as an evaluation error (no match), never a throw', () => {
    const result = run('event.data.missing == 1');
    expect(result).toEqual({ ok: false, code: expect.any(String), reason: 'No such key: missing' });
    expect(run('event.severity == "critical"').ok).toBe(false);
  });

  it('absorbs a missing field where CEL logic allows it', () => {
    expect(run('event.data.missing == 1 || event.data.count == 3')).toEqual({
      ok: true,
      value: true,
    });
    expect(run('event.data.missing == 1 && event.data.count == 4')).toEqual({
      ok: true,
      value: false,
    });
  });

  it('has() tests presence: absent keys false, null values true, nested paths', () => {
    expect(value('has(event.data.missing)')).toBe(false);
    expect(value('has(event.data.nothing)')).toBe(true);
    expect(value('has(event.data.customer.address.city)')).toBe(true);
    expect(value('has(event.data.customer.address.zip)')).toBe(false);
    expect(value('has(event.severity)')).toBe(false);
    expect(value('has(event.tenantid)')).toBe(true);
    // has() on a path whose parent is absent is an error, as in CEL.
    expect(run('has(event.data.missing.field)').ok).toBe(false);
  });

  it('guards optional fields with has() or optional chaining', () => {
    expect(value('has(event.severity) && event.severity == "critical"')).toBe(false);
    expect(value('event.?severity.orValue("normal") == "normal"')).toBe(true);
    expect(value('event.data.?missing.?deeper.orValue(0) == 0')).toBe(true);
  });

  it('maps null to null_type', () => {
    expect(value('event.data.nothing == null')).toBe(true);
    expect(value('event.data.count != null')).toBe(true);
  });

  it('selects nested maps, odd keys and lists', () => {
    expect(value('event.data.customer.address.city')).toBe('Berlin');
    expect(value('event.data["dash-key"]')).toBe('yes');
    expect(value('"urgent" in event.data.tags')).toBe(true);
    expect(value('event.data.tags.size()')).toBe(2);
    expect(value('event.data.counts.exists(c, c > 2)')).toBe(true);
    expect(value('event.data.counts.all(c, c > 0)')).toBe(true);
    expect(value('event.data.counts.map(c, c * 10)')).toEqual([10, 20, 30]);
    expect(value('event.data.tags[0]')).toBe('urgent');
    expect(run('event.data.tags[5] == "x"').ok).toBe(false);
  });

  it('reads strings holding timestamps with timestamp(), compared against now', () => {
    expect(value('timestamp(event.time) < now')).toBe(true);
    expect(value('now - timestamp(event.time) == duration("1h")')).toBe(true);
    expect(value('timestamp(event.data.shippedAt) < timestamp(event.time)')).toBe(true);
    expect(value('timestamp(event.time) > now - duration("30m")')).toBe(false);
    expect(run('timestamp(event.data.customer.tier) < now').ok).toBe(false);
  });

  it('exposes booleans and extensions as they are', () => {
    expect(value('!event.data.flag')).toBe(true);
    expect(value('event.tenantid == "acme"')).toBe(true);
  });

  it('converts results back to plain JSON values', () => {
    expect(fromCelValue([1n, 2.5, 'a', { k: 9007199254740993n }])).toEqual([
      1,
      2.5,
      'a',
      { k: '9007199254740993' },
    ]);
    expect(celValueToString('abc')).toBe('abc');
    expect(celValueToString(42n)).toBe('42');
    expect(celValueToString({ a: 1n })).toBe('{"a":1}');
  });

  it('sees the recipient under `recipient`', () => {
    expect(
      run('recipient.attributes.tier == "gold"', 'bool', { attributes: { tier: 'gold' } }),
    ).toEqual({ ok: true, value: true });
  });
});

describe('CelEngine.compile', () => {
  it('refuses syntax errors with the offset in the expression', () => {
    const result = engine.compile('event.data.count >', 'bool');
    expect(result).toMatchObject({ ok: false, summary: 'Unexpected token: EOF', start: 18 });
  });

  it('refuses unknown variables and impossible operations at compile time', () => {
    expect(engine.compile('evnt.type == "a"', 'bool')).toMatchObject({
      ok: false,
      code: 'unknown_variable',
      start: 0,
      end: 4,
    });
    expect(engine.compile('event.type == "a" && 1 + "x" > 0', 'bool')).toMatchObject({
      ok: false,
      start: 21,
    });
    expect(engine.compile('unknownFn(event)', 'bool').ok).toBe(false);
  });

  it('checks the result type the field needs', () => {
    expect(engine.compile('1 + 2', 'bool')).toMatchObject({ ok: false, code: 'wrong_result_type' });
    expect(engine.compile('"x"', 'bool').ok).toBe(false);
    expect(engine.compile('event.data.flag', 'bool').ok).toBe(true); // dyn: checked at run time
    expect(engine.compile('["a", "b"]', 'recipients').ok).toBe(true);
    expect(engine.compile('event.data.watchers', 'recipients').ok).toBe(true);
    expect(engine.compile('42', 'recipients').ok).toBe(false);
  });

  it('reports a dyn condition that yields a non-bool at run time', () => {
    const compiled = engine.compile('event.data.count', 'bool');
    if (!compiled.ok) throw new Error('expected to compile');
    expect(
      compiled.program.evaluate({ event: toCelValue(event), recipient: {}, now }),
    ).toMatchObject({ ok: false, code: 'not_bool' });
  });

  it('caches compiled programs by text', () => {
    const a = engine.compile('event.data.count > 1', 'bool');
    const b = engine.compile('event.data.count > 1', 'bool');
    expect(a.ok && b.ok && a.program.ast === b.program.ast).toBe(true);
  });

  it('does not leave stack traces disabled after an evaluation error', () => {
    const before = Error.stackTraceLimit;
    run('event.data.missing == 1');
    expect(Error.stackTraceLimit).toBe(before);
  });
});
