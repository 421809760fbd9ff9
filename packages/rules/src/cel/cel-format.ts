import type { Environment } from '@marcbachmann/cel-js';
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import type { BuiltinReplacement } from './cel-builtins.js';
import { celError } from './cel-errors.js';
import { timestampText } from './cel-time.js';

/**
 * `string.format(list)` from CEL's strings extension (cel-go `ext.Strings`):
 * `"%d items, %.2f each, %s".format([3, 1.5, "ok"])`. Clauses: `%s` any value, `%d`
 * integers, `%f` / `%.Nf` fixed point (6 places by default, ties to even like Go),
 * `%e` scientific, `%b` / `%o` / `%x` / `%X` integers (and `%x` strings and bytes as
 * hex), `%%` a percent sign. A clause with no argument left, or an argument of a kind
 * the clause does not take, is an evaluation error.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `string(bytes)` fails on invalid UTF-8 (cel-js replaced the bad bytes with U+FFFD). */
export const stringReplacements: readonly BuiltinReplacement[] = [
  {
    probe: "string(dyn(b'a'))",
    signature: 'string(bytes): string',
    replace: () => (bytes: Uint8Array) => {
      try {
        return utf8.decode(bytes);
      } catch {
        throw celError('invalid_utf8', 'string(bytes): the bytes are not valid UTF-8');
      }
    },
  },
];

export function registerFormat(env: Environment): void {
  env.registerFunction('string.format(list): string', (pattern: string, args: unknown[]) =>
    format(pattern, [...args]),
  );
}

const CLAUSE = /%(?:\.(\d+))?([a-zA-Z%])/g;

export function format(pattern: string, args: readonly unknown[]): string {
  let next = 0;
  return pattern.replace(CLAUSE, (_, precision: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (next >= args.length) throw formatError(`too few arguments for the %${verb} clause`);
    const arg = args[next++];
    switch (verb) {
      case 's':
        return text(arg);
      case 'd':
        return decimal(arg);
      case 'f':
        return fixed(arg, precision === undefined ? 6 : Number(precision));
      case 'e':
        return scientific(arg, precision === undefined ? 6 : Number(precision));
      case 'b':
        return radix(arg, 2, 'b');
      case 'o':
        return radix(arg, 8, 'o');
      case 'x':
        return hex(arg);
      case 'X':
        return hex(arg).toUpperCase();
      default:
        throw formatError(`unknown clause %${verb}`);
    }
  });
}

function formatError(message: string): Error {
  return celError('format_error', `format: ${message}`);
}

function specialDouble(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return undefined;
}

function integer(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (v instanceof UnsignedInt) return v.valueOf();
  return undefined;
}

function decimal(v: unknown): string {
  const n = integer(v);
  if (n !== undefined) return n.toString();
  if (typeof v === 'number' && specialDouble(v) !== undefined) return specialDouble(v)!;
  throw formatError('%d takes an integer');
}

function double(v: unknown, clause: string): number {
  if (typeof v === 'number') return v;
  const n = integer(v);
  if (n !== undefined) return Number(n);
  throw formatError(`${clause} takes a number`);
}

function fixed(v: unknown, precision: number): string {
  const d = double(v, '%f');
  const special = specialDouble(d);
  if (special !== undefined) return special;
  // JS rounds exact ties away from zero, Go to even: 2.5 → "2", 3.5 → "4".
  const scaled = d * 10 ** precision;
  if (Number.isFinite(scaled) && Math.abs(scaled % 1) === 0.5) {
    const even = Math.floor(scaled) % 2 === 0 ? Math.floor(scaled) : Math.ceil(scaled);
    return (even / 10 ** precision).toFixed(precision);
  }
  return d.toFixed(precision);
}

function scientific(v: unknown, precision: number): string {
  const d = double(v, '%e');
  const special = specialDouble(d);
  if (special !== undefined) return special;
  // JS writes 1.05e+3, Go (and CEL) 1.05e+03.
  return d.toExponential(precision).replace(/e([+-])(\d)$/, 'e$10$2');
}

function radix(v: unknown, base: number, clause: string): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  const n = integer(v);
  if (n === undefined) throw formatError(`%${clause} takes an integer`);
  return n.toString(base);
}

function hex(v: unknown): string {
  if (typeof v === 'string') return Buffer.from(v, 'utf8').toString('hex');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return radix(v, 16, 'x');
}

/** `%s`: strings as they are, lists `[a, b]`, maps `{k: v}` sorted by key text. */
function text(v: unknown): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return v;
    case 'bigint':
    case 'boolean':
      return String(v);
    case 'number':
      return specialDouble(v) ?? String(v);
    default:
      break;
  }
  if (v instanceof UnsignedInt) return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v instanceof Date) return timestampText(v);
  if (v instanceof Duration) return v.toString();
  if (Array.isArray(v) || v instanceof Set)
    return `[${[...(v as Iterable<unknown>)].map(text).join(', ')}]`;
  if ((v as { constructor?: { name?: string } }).constructor?.name === 'Type')
    return String((v as { name: string }).name);
  const entries =
    v instanceof Map
      ? [...v].map(([k, x]) => [text(k), text(x)])
      : Object.entries(v as object).map(([k, x]) => [k, text(x)]);
  entries.sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0));
  return `{${entries.map(([k, x]) => `${k}: ${x}`).join(', ')}}`;
}
