import { CelEngine } from './cel-engine.js';
import { celEnvironment } from './cel-environment.js';
import { fromCelValue, toCelValue } from './cel-value.js';

// The cel-js spec gaps Herald's patch (patches/@marcbachmann+cel-js+8.0.0.patch) closes,
// through the engine rules use (type-checked). Each case failed on unpatched cel-js 8.0.0.
const engine = new CelEngine();
const now = new Date('2026-03-01T12:00:00Z');
const event = toCelValue({ data: { 'content-type': 'application/json', tags: ['a', 'b'] } });

function evaluate(expression: string): { ok: true; value: unknown } | { ok: false; code: string } {
  const compiled = engine.compile(expression, 'value');
  if (!compiled.ok) return { ok: false, code: `compile:${compiled.code}` };
  const result = compiled.program.evaluate({ event, recipient: {}, now });
  return result.ok
    ? { ok: true, value: fromCelValue(result.value) }
    : { ok: false, code: result.code };
}

describe('cel-js patch', () => {
  it.each([
    // parser: UTF-8 and raw bytes literals, a double without a leading digit
    ["b'ÿ' == b'\\303\\277'", true],
    ["rb'\\x00' == b'\\\\x00'", true],
    ["size(bR'\\n')", 2],
    ['.99 < 1.0', true],
    // parser: backtick-quoted field names, also in has()
    ["event.data.`content-type` == 'application/json'", true],
    ['has(event.data.`content-type`)', true],
    // checker: comprehensions over empty literals, has() on any map expression
    ['[].exists(e, e == 2)', false],
    ["has({'a': 1}.a)", true],
    // equality and indexing across numeric types, int keys of map literals
    ['[1.0, 2.0, 3] == [1u, 2, 3u]', true],
    ['{1: 1.0, 2u: 3u} == {1u: 1, 2: 3.0}', true],
    ['[7, 8, 9][dyn(0u)]', 7],
    ["{6: 'six', 7: 'seven'}.exists_one(k, k % 5 == 2)", true],
  ])('%s evaluates to %p', (expression, expected) => {
    expect(evaluate(expression)).toEqual({ ok: true, value: expected });
  });

  it('rejects a map literal with a repeated key when evaluated', () => {
    expect(evaluate('{0: 1, 0u: 2}[0]')).toEqual({ ok: false, code: 'repeated_map_key' });
    // Keys of different kinds that print the same are not repeated. (cel-js keeps a map
    // literal as a JS object, so the later one still replaces the earlier: docs/rules.md.)
    expect(evaluate("{1: 'int', '1': 'string'}['1']")).toEqual({ ok: true, value: 'string' });
  });

  it('refuses map literal keys that are not int, uint, string or bool', () => {
    expect(evaluate('{1.5: true}')).toEqual({ ok: false, code: 'compile:unsupported_key_type' });
    expect(evaluate('{null: true}')).toEqual({ ok: false, code: 'compile:unsupported_key_type' });
  });

  it('refuses an empty or invalid backtick-quoted field name', () => {
    expect(evaluate('event.data.``')).toEqual({
      ok: false,
      code: 'compile:invalid_quoted_identifier',
    });
    expect(evaluate('event.data.`a+b`')).toEqual({
      ok: false,
      code: 'compile:invalid_quoted_identifier',
    });
  });

  it('resolves a dotted variable name, longest first', () => {
    const env = celEnvironment();
    env.registerVariable('a.b', 'map<string, string>');
    env.registerVariable('a.b.c', 'string');
    const parsed = env.parse('a.b.c');
    expect(parsed.check()).toMatchObject({ valid: true, type: 'string' });
    expect(parsed({ 'a.b': { c: 'oops' }, 'a.b.c': 'yeah' })).toBe('yeah');
  });

  it('lets || absorb what the checker would refuse when checking is skipped', () => {
    const env = celEnvironment();
    expect(env.parse('x || true')({})).toBe(true);
    expect(env.parse("'horses' || true")({})).toBe(true);
    expect(() => env.parse('f_unknown(17)')({})).toThrow(/no matching overload/);
  });
});
