import type { Environment } from '@marcbachmann/cel-js';
import { UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import type { BuiltinReplacement } from './cel-builtins.js';
import { celError } from './cel-errors.js';

/**
 * Numbers as the CEL spec has them, where cel-js 8 differs:
 *
 * - int is 64-bit: `-x` and `x / -1` of the smallest int overflow (cel-js returned
 *   2^63), and so does `x % -1` in cel-go; `int(double)` needs the double strictly
 *   inside (-2^63, 2^63) (cel-js returned any size of bigint);
 * - equality across int, uint and double compares values: `1.0 == 1`, `1u == 1` are
 *   true, and the checker accepts them (cel-js refused `double == int` and
 *   `uint == int` when both types were known; through `dyn` it already compared);
 * - `int(uint)` exists (cel-js lacked it), bytes are ordered (`b'a' < b'b'`).
 */

const MIN_INT = -(2n ** 63n);
const MAX_INT = 2n ** 63n - 1n;
const TWO_63 = 2 ** 63;

function overflow(): never {
  throw celError('numeric_overflow', 'integer overflow');
}

// cel-go compares an int with a double by converting the int to a double (lossy past
// 2^53); cel-js compared exactly. The conformance data pins cel-go's result.
const RELATIONAL = {
  '<': (a: number, b: number) => a < b,
  '<=': (a: number, b: number) => a <= b,
  '>': (a: number, b: number) => a > b,
  '>=': (a: number, b: number) => a >= b,
} as const;

export const lossyComparisonReplacements: readonly BuiltinReplacement[] = Object.entries(
  RELATIONAL,
).flatMap(([op, holds]) => [
  {
    probe: `1 ${op} dyn(1.0)`,
    signature: `int ${op} double: bool`,
    replace: () => (a: bigint, b: number) => holds(Number(a), b),
  },
  {
    probe: `1.0 ${op} dyn(1)`,
    signature: `double ${op} int: bool`,
    replace: () => (a: number, b: bigint) => holds(a, Number(b)),
  },
]);

export const numericReplacements: readonly BuiltinReplacement[] = [
  ...lossyComparisonReplacements,
  {
    // `1u in [1]`, `1.0 in [1]`: membership uses the same numeric equality as `==`.
    probe: '1 in dyn([1])',
    signature: 'V in list<V>: bool',
    replace:
      (original) =>
      (value: unknown, list: Iterable<unknown>, ...rest: unknown[]): boolean => {
        if (original(value, list, ...rest) === true) return true;
        if (!isNumber(value)) return false;
        for (const item of list) if (isNumber(item) && numericEqual(value, item)) return true;
        return false;
      },
  },
  {
    probe: '-dyn(1)',
    signature: '-_int: int',
    replace: () => (a: bigint) => (a === MIN_INT ? overflow() : -a),
  },
  {
    probe: '1 / dyn(1)',
    signature: 'int / int: int',
    replace:
      (original) =>
      (a: bigint, b: bigint, ...rest: unknown[]) =>
        a === MIN_INT && b === -1n ? overflow() : original(a, b, ...rest),
  },
  {
    probe: '1 % dyn(1)',
    signature: 'int % int: int',
    replace:
      (original) =>
      (a: bigint, b: bigint, ...rest: unknown[]) =>
        a === MIN_INT && b === -1n ? overflow() : original(a, b, ...rest),
  },
  {
    probe: 'int(dyn(1.0))',
    signature: 'int(double): int',
    replace: () => (v: number) => {
      if (v > -TWO_63 && v < TWO_63) return BigInt(Math.trunc(v));
      return overflow();
    },
  },
];

const NUMBER = ['int', 'uint', 'double'] as const;

function isNumber(v: unknown): boolean {
  return typeof v === 'bigint' || typeof v === 'number' || v instanceof UnsignedInt;
}

function numeric(v: unknown): bigint | number {
  return v instanceof UnsignedInt ? v.valueOf() : (v as bigint | number);
}

// A bigint and a double are equal when the double is whole and has that value; JS's
// loose equality does exactly this for bigint and number (and is false for NaN).
function numericEqual(a: unknown, b: unknown): boolean {
  return numeric(a) == numeric(b);
}

function bytesCompare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** New overloads: cross-type numeric equality, int(uint), bytes ordering. */
export function registerNumeric(env: Environment): void {
  for (const [i, left] of NUMBER.entries()) {
    for (const right of NUMBER.slice(i + 1)) {
      // `int == uint` through dyn<int> is built in; its static form is not.
      if (left === 'int' && right === 'double') {
        env.registerOperator('double == int', numericEqual);
        continue;
      }
      env.registerOperator(`${right} == ${left}`, numericEqual);
    }
  }
  env.registerFunction('int(uint): int', (v: UnsignedInt) => {
    const n = v.valueOf();
    return n > MAX_INT ? overflow() : n;
  });
  const compare: [string, (c: number) => boolean][] = [
    ['<', (c) => c < 0],
    ['<=', (c) => c <= 0],
    ['>', (c) => c > 0],
    ['>=', (c) => c >= 0],
  ];
  for (const [op, holds] of compare) {
    env.registerOperator(`bytes ${op} bytes`, (a: Uint8Array, b: Uint8Array) =>
      holds(bytesCompare(a, b)),
    );
  }
}
