import { CelEngine } from '../cel/cel-engine.js';
import { toCelValue } from '../cel/cel-value.js';
import { deriveTypes, residualCondition, TypeIndex } from './type-index.js';

const engine = new CelEngine();
const ast = (expression: string): unknown => {
  const compiled = engine.compile(expression, 'bool');
  if (!compiled.ok) throw new Error(compiled.summary);
  return compiled.program.ast;
};

describe('deriveTypes', () => {
  it.each([
    ['event.type == "a"', ['a']],
    ['"a" == event.type', ['a']],
    ['event["type"] == "a"', ['a']],
    ['event.type in ["a", "b"]', ['a', 'b']],
    ['event.type.startsWith("order.")', ['order.*']],
    ['event.type == "a" && event.data.x > 1', ['a']],
    ['event.data.x > 1 && event.type == "a"', ['a']],
    ['event.type.startsWith("o") && event.type == "order.created"', ['order.created']],
    ['event.type == "a" || event.type in ["b", "c"]', ['a', 'b', 'c']],
  ])('%s → %j', (expression, types) => {
    expect(deriveTypes(ast(expression))).toEqual(types);
  });

  it.each([
    'true',
    'event.type != "a"',
    'event.type == "a" || event.data.x > 1',
    'event.type in event.data.types',
    'event.type.endsWith(".created")',
    'event.type == event.data.expected',
    '!(event.type == "a")',
  ])('does not guess for %s', (expression) => {
    expect(deriveTypes(ast(expression))).toBeUndefined();
  });
});

describe('residualCondition', () => {
  it.each([
    ['event.type == "a" && event.data.x > 1', ['a'], '(event.data.x > 1)'],
    [
      'event.type == "a" && (event.data.x > 1 || event.data.y) && has(event.data.z)',
      ['a'],
      '(event.data.x > 1 || event.data.y) && (has(event.data.z))',
    ],
    ['event.type in ["a", "b"] && event.data.x', ['a', 'b'], '(event.data.x)'],
    ['event.type.startsWith("order.") && event.data.x', ['order.*'], '(event.data.x)'],
    ['event.type == "a"', ['a'], 'true'],
  ])('%s under %j → %s', (expression, types, residual) => {
    expect(residualCondition(ast(expression), expression, types)).toBe(residual);
  });

  it.each([
    ['event.type == "a" && event.data.x', ['*']],
    ['event.type == "a" && event.data.x', ['a', 'b']],
    ['event.type == "a" && event.data.x', ['order.*']],
    ['event.type == "a" || event.data.x', ['a']],
    ['event.data.x > 1', ['a']],
  ])('keeps %s under %j', (expression, types) => {
    expect(residualCondition(ast(expression), expression, types)).toBeUndefined();
  });

  it('gives the same verdict, errors included, for events of the indexed type', () => {
    const full = 'event.type == "a" && event.data.x > 1 && event.data.y == "z"';
    const residual = residualCondition(ast(full), full, ['a'])!;
    const compile = (e: string) => {
      const c = engine.compile(e, 'bool');
      if (!c.ok) throw new Error(c.summary);
      return c.program;
    };
    const [f, r] = [compile(full), compile(residual)];
    for (const data of [
      { x: 2, y: 'z' },
      { x: 0, y: 'z' },
      { x: 2 },
      {},
      { y: 'q' },
      { x: 'text', y: 'z' },
    ]) {
      const activation = {
        event: toCelValue({ type: 'a', data }),
        recipient: {},
        now: new Date(0),
      };
      const [a, b] = [f.evaluate(activation), r.evaluate(activation)];
      expect(b.ok).toBe(a.ok);
      expect(b.ok ? b.value : b.reason).toEqual(a.ok ? a.value : a.reason);
    }
  });
});

describe('TypeIndex', () => {
  it('returns candidates in evaluation order across exact, prefix and * buckets', () => {
    const items = [
      { name: 'star', types: ['*'] },
      { name: 'exact', types: ['a.b'] },
      { name: 'prefix', types: ['a.*'] },
      { name: 'both', types: ['a.b', 'a.*'] },
    ];
    const index = new TypeIndex(items, (i) => i.types);
    expect(index.candidates('a.b').map((i) => i.name)).toEqual(['star', 'exact', 'prefix', 'both']);
    expect(index.candidates('a.c').map((i) => i.name)).toEqual(['star', 'prefix', 'both']);
    expect(index.candidates('z').map((i) => i.name)).toEqual(['star']);
    expect(index.candidates('a.b')).toBe(index.candidates('a.b'));
  });
});
