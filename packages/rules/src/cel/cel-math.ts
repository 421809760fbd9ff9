import type { Environment } from '@marcbachmann/cel-js';
import { UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import { celError } from './cel-errors.js';

/**
 * CEL's math extension (cel-go `ext.Math`): `math.greatest` / `math.least` over
 * arguments or one list, `math.ceil/floor/round/trunc`, `math.abs`, `math.sign`,
 * `math.isNaN/isInf/isFinite`, `math.sqrt` and the `math.bit*` operations.
 * `math` is a namespace constant, like cel-js's `optional`.
 */
class MathNamespace {}

const MIN_INT = -(2n ** 63n);
const MAX_ARGS = 8;
type Num = bigint | number | UnsignedInt;

function value(v: unknown, fn: string): bigint | number {
  if (typeof v === 'bigint' || typeof v === 'number') return v;
  if (v instanceof UnsignedInt) return v.valueOf();
  throw celError('no_such_overload', `math.${fn}: arguments must be numbers`);
}

// Extremes across int, uint and double compare by value; the winner keeps its type.
function extreme(values: readonly unknown[], fn: 'greatest' | 'least'): unknown {
  if (values.length === 0) throw celError('invalid_argument', `math.${fn}(): list is empty`);
  let best = values[0];
  let bestValue = value(best, fn);
  for (const v of values.slice(1)) {
    const n = value(v, fn);
    if (fn === 'greatest' ? n > bestValue : n < bestValue) {
      best = v;
      bestValue = n;
    }
  }
  return best;
}

function roundHalfAwayFromZero(d: number): number {
  return d < 0 ? -Math.round(-d) : Math.round(d);
}

function shiftCount(n: bigint): bigint {
  if (n < 0n) throw celError('invalid_argument', 'math.bitShift: negative offset');
  return n;
}

export function registerMath(env: Environment): void {
  env
    .registerType('MathNamespace', MathNamespace)
    .registerConstant('math', 'MathNamespace', new MathNamespace());
  const fn = (signature: string, handler: (...args: never[]) => unknown): void => {
    // Methods on the namespace get the namespace as their receiver: drop it.
    env.registerFunction(`MathNamespace.${signature}`, (_: unknown, ...args: never[]) =>
      handler(...args),
    );
  };

  for (const name of ['greatest', 'least'] as const) {
    for (const t of ['int', 'uint', 'double']) fn(`${name}(${t}): ${t}`, (v: Num) => v);
    fn(`${name}(list): dyn`, (list: unknown[]) => extreme([...list], name));
    for (let n = 2; n <= MAX_ARGS; n++) {
      fn(`${name}(${Array(n).fill('dyn').join(', ')}): dyn`, (...args: unknown[]) =>
        extreme(args, name),
      );
    }
  }

  fn('ceil(double): double', (d: number) => Math.ceil(d));
  fn('floor(double): double', (d: number) => Math.floor(d));
  fn('round(double): double', roundHalfAwayFromZero);
  fn('trunc(double): double', (d: number) => Math.trunc(d));
  fn('isNaN(double): bool', (d: number) => Number.isNaN(d));
  fn('isInf(double): bool', (d: number) => d === Infinity || d === -Infinity);
  fn('isFinite(double): bool', (d: number) => Number.isFinite(d));

  fn('abs(int): int', (n: bigint) => {
    if (n === MIN_INT) throw celError('numeric_overflow', 'integer overflow');
    return n < 0n ? -n : n;
  });
  fn('abs(uint): uint', (n: UnsignedInt) => n);
  fn('abs(double): double', (d: number) => Math.abs(d));
  fn('sign(int): int', (n: bigint) => (n > 0n ? 1n : n < 0n ? -1n : 0n));
  fn('sign(uint): uint', (n: UnsignedInt) => new UnsignedInt(n.valueOf() > 0n ? 1n : 0n));
  fn('sign(double): double', (d: number) => (Number.isNaN(d) ? d : Math.sign(d)));
  for (const t of ['int', 'uint', 'double']) {
    fn(`sqrt(${t}): double`, (v: Num) => Math.sqrt(Number(value(v, 'sqrt'))));
  }

  const u = (n: bigint): UnsignedInt => new UnsignedInt(BigInt.asUintN(64, n));
  const i = (n: bigint): bigint => BigInt.asIntN(64, n);
  fn('bitAnd(int, int): int', (a: bigint, b: bigint) => a & b);
  fn('bitOr(int, int): int', (a: bigint, b: bigint) => a | b);
  fn('bitXor(int, int): int', (a: bigint, b: bigint) => a ^ b);
  fn('bitNot(int): int', (a: bigint) => ~a);
  fn('bitAnd(uint, uint): uint', (a: UnsignedInt, b: UnsignedInt) => u(a.valueOf() & b.valueOf()));
  fn('bitOr(uint, uint): uint', (a: UnsignedInt, b: UnsignedInt) => u(a.valueOf() | b.valueOf()));
  fn('bitXor(uint, uint): uint', (a: UnsignedInt, b: UnsignedInt) => u(a.valueOf() ^ b.valueOf()));
  fn('bitNot(uint): uint', (a: UnsignedInt) => u(~a.valueOf()));
  // Shifts of 64 or more clear every bit; a right shift of an int is logical (Go's uint64 cast).
  fn('bitShiftLeft(int, int): int', (a: bigint, n: bigint) =>
    shiftCount(n) >= 64n ? 0n : i(a << n),
  );
  fn('bitShiftRight(int, int): int', (a: bigint, n: bigint) =>
    shiftCount(n) >= 64n ? 0n : i(BigInt.asUintN(64, a) >> n),
  );
  fn('bitShiftLeft(uint, int): uint', (a: UnsignedInt, n: bigint) =>
    shiftCount(n) >= 64n ? u(0n) : u(a.valueOf() << n),
  );
  fn('bitShiftRight(uint, int): uint', (a: UnsignedInt, n: bigint) =>
    shiftCount(n) >= 64n ? u(0n) : u(a.valueOf() >> n),
  );
}
