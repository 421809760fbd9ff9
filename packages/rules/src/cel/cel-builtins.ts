import type { Environment } from '@marcbachmann/cel-js';

/**
 * Replacing cel-js built-in overloads.
 *
 * cel-js 8 refuses to register an overload whose signature overlaps a built-in one
 * ("overlaps with existing overload"), and its built-ins have spec gaps Herald must
 * close (integer overflow on `-x` and `x / -1`, ranges of `int(double)`, timestamps and
 * durations, fixed UTC offsets in time zone arguments). The fixes are written like the
 * upstream patches would be: the same signature, the corrected handler. They are put in
 * place of the original declaration in cel-js's candidate list, which a type-checked
 * probe expression exposes on its AST node (`ast.candidates.declarations`); the
 * replacement inherits every other field (types, async flag) from the original.
 *
 * Each environment made by `celEnvironment()` gets its replacements (an environment
 * made otherwise keeps cel-js's originals); a declaration already replaced is
 * recognised and left alone, so applying the list twice is harmless. The probes use
 * `dyn` operands: cel-js caches the overload it picks per operand type, and a dyn
 * operand defers the pick to evaluation, after the replacement. If a cel-js upgrade
 * changes these internals, `replaceBuiltins` throws naming the signature it could not
 * find, so every CEL test fails at once instead of the fixes silently lapsing.
 */
export interface BuiltinReplacement {
  /** An expression whose (outermost matching) call or operator lists the overload. */
  readonly probe: string;
  /** cel-js's signature text, e.g. `-_int: int` or `int(double): int`. */
  readonly signature: string;
  /** The corrected handler, given the original (to wrap it where that is enough). */
  readonly replace: (original: Handler) => Handler;
  /** Take the declared return type from this other overload (cel-js declares some wrong). */
  readonly returnTypeOf?: string;
}

// cel-js calls handlers with its own argument lists; they are typed at each use.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (...args: any[]) => unknown;

const REPLACED = Symbol.for('herald.cel.replaced');

interface Declaration {
  readonly signature: string;
  readonly handler: Handler;
  readonly returnType: unknown;
  readonly [REPLACED]?: true;
}

interface ProbeNode {
  readonly candidates?: { declarations: Declaration[] };
  readonly args?: unknown;
}

export function replaceBuiltins(
  env: Environment,
  replacements: readonly BuiltinReplacement[],
): void {
  for (const r of replacements) {
    const parsed = env.parse(r.probe);
    const checked = parsed.check();
    if (!checked.valid)
      throw new Error(`CEL built-in probe ${r.probe} does not check: ${checked.error?.message}`);
    const list = findDeclarations(parsed.ast as ProbeNode, r.signature);
    const index = list?.findIndex((d) => d.signature === r.signature) ?? -1;
    if (list === undefined || index === -1) {
      throw new Error(
        `cel-js built-in ${r.signature} not found: update src/cel/cel-builtins.ts for this cel-js version`,
      );
    }
    const original = list[index]!;
    if (original[REPLACED]) continue;
    const fields: PropertyDescriptorMap = {
      handler: { value: r.replace(original.handler) },
      [REPLACED]: { value: true },
    };
    if (r.returnTypeOf !== undefined) {
      const source = list.find((d) => d.signature === r.returnTypeOf);
      if (source === undefined) throw new Error(`cel-js built-in ${r.returnTypeOf} not found`);
      fields.returnType = { value: source.returnType };
    }
    list[index] = Object.freeze(Object.create(original, fields) as Declaration);
  }
}

// Depth-first over the AST: the first node whose candidates list the signature.
function findDeclarations(node: ProbeNode, signature: string): Declaration[] | undefined {
  const declarations = node.candidates?.declarations;
  if (declarations?.some((d) => d.signature === signature)) return declarations;
  const children = Array.isArray(node.args) ? (node.args as unknown[]) : [node.args];
  for (const child of children.flat()) {
    if (child !== null && typeof child === 'object') {
      const found = findDeclarations(child as ProbeNode, signature);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
