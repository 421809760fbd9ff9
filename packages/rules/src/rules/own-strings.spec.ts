import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadRules } from './load-rules.js';
import { ownStrings } from './own-strings.js';

describe('ownStrings', () => {
  it('copies a parsed document value for value: strings, numbers, lists, maps', () => {
    const doc = {
      rules: [
        {
          id: 'ops',
          channels: [{ type: 'webhook', url: 'https://hooks.example.com/ünïcode ✓', n: 1.5 }],
          continue: true,
          dedupe: null,
          weird: [Infinity, NaN, -0, '', '\u0000\ud800'],
        },
      ],
    };
    const copy = ownStrings(doc);
    expect(copy).toStrictEqual(doc);
    expect(copy).not.toBe(doc);
    expect(Object.is((copy as typeof doc).rules[0]!.weird[2], -0)).toBe(true);
  });

  it('keeps aliases shared and cycles cyclic, and `__proto__` an own key', () => {
    const shared = { a: 'x' };
    const cyclic: unknown[] = ['y'];
    cyclic.push(cyclic);
    const withProto = JSON.parse('{"__proto__": {"polluted": "yes"}, "k": "v"}') as object;
    const copy = ownStrings({ one: shared, two: shared, cyclic, withProto }) as {
      one: object;
      two: object;
      cyclic: unknown[];
      withProto: Record<string, unknown>;
    };
    expect(copy.one).toBe(copy.two);
    expect(copy.one).not.toBe(shared);
    expect(copy.cyclic[1]).toBe(copy.cyclic);
    expect(Object.getPrototypeOf(copy.withProto)).toBe(Object.prototype);
    expect(Object.keys(copy.withProto)).toEqual(['__proto__', 'k']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('returns values that are not plain data as they are', () => {
    const date = new Date(0);
    const map = new Map([['a', 1]]);
    expect(ownStrings({ date, map })).toEqual({ date, map });
    expect((ownStrings({ date }) as { date: Date }).date).toBe(date);
  });
});

describe('loadRules and the source text', () => {
  // The yaml parser's strings are slices of the whole source: a rule set that kept them
  // kept the file's text alive (comments and all). Measured on the heap after a full GC.
  it('a loaded rule set does not keep its file text alive', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const commentBytes = 16_000_000;
    const load = (n: number) =>
      loadRules(
        `# ${'x'.repeat(commentBytes)}\nrules:\n  - id: rule-with-a-long-id-${n}\n` +
          `    channels:\n      - type: webhook\n        url: https://hooks.example.com/hooks/${n}\n` +
          `        secretRef: a-secret-reference-name\n`,
        'rules.yaml',
      );
    gc();
    const before = process.memoryUsage().heapUsed;
    const sets = [load(1), load(2), load(3)];
    gc();
    const retained = process.memoryUsage().heapUsed - before;
    expect(sets.map((s) => s.rules[0]!.channels[0]!.type)).toEqual([
      'webhook',
      'webhook',
      'webhook',
    ]);
    // Three sources of 16 MB each: before the copy all three stayed (≥ 48 MB).
    expect(retained).toBeLessThan(commentBytes);
  });
});
