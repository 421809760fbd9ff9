import { tests as conformance } from '@bufbuild/cel-spec/testdata/conformance.js';
import type { Environment } from '@marcbachmann/cel-js';
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import { canonicalActual, canonicalExpected, OutOfScope } from './canonical.js';

/**
 * Runs the CEL conformance data (cel-spec's simple tests, as `@bufbuild/cel-spec` ships
 * them in proto JSON form) through an environment built like Herald's. Each test is
 * parsed, type-checked (unless the test disables the checker), then evaluated with its
 * bindings, and the outcome is compared with the expected value, error or type.
 *
 * Herald's values are JSON (maps, lists, scalars) plus timestamps and durations; it has
 * no protobuf messages or enums, so tests that need them are counted as out of scope,
 * not as failures.
 */

/**
 * The files of the CEL language definition itself. Not core: the extensions (`*_ext`,
 * `macros2` = two-variable comprehensions, optionals) and the protobuf files.
 */
export const CORE_FILES: readonly string[] = [
  'basic',
  'comparisons',
  'conversions',
  'fields',
  'fp_math',
  'integer_math',
  'lists',
  'logic',
  'macros',
  'namespace',
  'parse',
  'plumbing',
  'string',
  'timestamps',
  'type_deductions',
];

export type CaseStatus = 'pass' | 'fail' | 'out_of_scope';

export interface CaseResult {
  /** `file/section/name`, unique across the data. */
  readonly id: string;
  readonly file: string;
  readonly status: CaseStatus;
  /** For a failure: what was expected and what came out; for out of scope: why. */
  readonly detail: string;
}

export interface FileSummary {
  readonly file: string;
  readonly core: boolean;
  readonly passed: number;
  readonly failed: number;
  readonly outOfScope: number;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface SerializedSuite {
  readonly name: string;
  readonly suites?: readonly SerializedSuite[];
  readonly tests?: readonly { readonly original: JsonObject }[];
}

/** Every conformance case through `environment()` (a fresh environment per case). */
export function runConformance(environment: () => Environment): CaseResult[] {
  const results: CaseResult[] = [];
  for (const file of (conformance as SerializedSuite).suites ?? []) {
    const walk = (suite: SerializedSuite, path: string): void => {
      for (const test of suite.tests ?? []) {
        const id = `${path}/${String(test.original.name ?? test.original.expr)}`;
        results.push({ id, file: file.name, ...runCase(test.original, environment) });
      }
      for (const child of suite.suites ?? []) walk(child, `${path}/${child.name}`);
    };
    walk(file, file.name);
  }
  return results;
}

/** Pass, fail and out-of-scope counts per file, in data order. */
export function summarize(results: readonly CaseResult[]): FileSummary[] {
  const byFile = new Map<string, { passed: number; failed: number; outOfScope: number }>();
  for (const r of results) {
    const s = byFile.get(r.file) ?? { passed: 0, failed: 0, outOfScope: 0 };
    if (r.status === 'pass') s.passed++;
    else if (r.status === 'fail') s.failed++;
    else s.outOfScope++;
    byFile.set(r.file, s);
  }
  return [...byFile].map(([file, s]) => ({ file, core: CORE_FILES.includes(file), ...s }));
}

const PROTO_ONLY =
  /TestAllTypes|cel\.expr\.conformance|GlobalEnum|enumValue|google\.protobuf\.\w+\s*\{/;

function runCase(
  test: JsonObject,
  environment: () => Environment,
): { status: CaseStatus; detail: string } {
  const text = JSON.stringify(test);
  if (test.container !== undefined || PROTO_ONLY.test(text)) {
    return { status: 'out_of_scope', detail: 'needs protobuf messages or enums' };
  }
  try {
    const expected = expectation(test);
    const outcome = execute(test, environment);
    return judge(expected, outcome);
  } catch (err) {
    if (err instanceof OutOfScope) return { status: 'out_of_scope', detail: err.message };
    throw err;
  }
}

type Expected =
  | { kind: 'value'; value: string }
  | { kind: 'error' }
  | { kind: 'type'; type: string; value?: string };
type Outcome = { kind: 'value'; value: string; type: string } | { kind: 'error'; message: string };

function expectation(test: JsonObject): Expected {
  if (test.value !== undefined)
    return { kind: 'value', value: canonicalExpected(test.value as JsonObject) };
  if (test.evalError !== undefined) return { kind: 'error' };
  if (test.typedResult !== undefined) {
    const typed = test.typedResult as JsonObject;
    const result = typed.result as JsonObject | undefined;
    return {
      kind: 'type',
      type: typeText(typed.deducedType as JsonObject),
      ...(result !== undefined && test.checkOnly !== true
        ? { value: canonicalExpected(result) }
        : {}),
    };
  }
  // SimpleTest: with no matcher, the expression must evaluate to true.
  return { kind: 'value', value: 'bool(true)' };
}

function execute(test: JsonObject, environment: () => Environment): Outcome {
  const env = environment();
  for (const decl of (test.typeEnv ?? []) as JsonObject[]) {
    const ident = decl.ident as JsonObject | undefined;
    if (ident === undefined) throw new OutOfScope('function declarations');
    env.registerVariable(String(decl.name), typeText(ident.type as JsonObject));
  }
  const bindings: Record<string, unknown> = {};
  for (const [name, binding] of Object.entries(
    (test.bindings ?? {}) as Record<string, JsonObject>,
  )) {
    bindings[name] = decode(binding.value as JsonObject);
  }
  try {
    const parsed = env.parse(String(test.expr));
    let type = 'dyn';
    if (test.disableCheck !== true) {
      const checked = parsed.check();
      if (!checked.valid) return { kind: 'error', message: `check: ${checked.error?.message}` };
      type = checked.type ?? 'dyn';
    }
    if (test.checkOnly === true) return { kind: 'value', value: '', type };
    return { kind: 'value', value: canonicalActual(parsed(bindings)), type };
  } catch (err) {
    return { kind: 'error', message: firstLine(err instanceof Error ? err.message : String(err)) };
  }
}

function judge(expected: Expected, outcome: Outcome): { status: CaseStatus; detail: string } {
  const got = outcome.kind === 'error' ? `error: ${outcome.message}` : outcome.value;
  if (expected.kind === 'error') {
    return outcome.kind === 'error'
      ? { status: 'pass', detail: '' }
      : { status: 'fail', detail: `expected an error, got ${got}` };
  }
  if (outcome.kind === 'error')
    return { status: 'fail', detail: `expected ${describe(expected)}, got ${got}` };
  if (expected.kind === 'type' && !sameType(expected.type, outcome.type)) {
    return { status: 'fail', detail: `expected type ${expected.type}, got type ${outcome.type}` };
  }
  const value = expected.kind === 'value' ? expected.value : expected.value;
  if (value !== undefined && value !== outcome.value) {
    return { status: 'fail', detail: `expected ${value}, got ${got}` };
  }
  return { status: 'pass', detail: '' };
}

function describe(expected: Expected): string {
  return expected.kind === 'type'
    ? `type ${expected.type}`
    : expected.kind === 'value'
      ? expected.value
      : 'error';
}

// cel-js prints `list<dyn>` as `list` and `map<dyn, dyn>` as `map`.
function sameType(expected: string, actual: string): boolean {
  const norm = (t: string): string =>
    t.replace(/^list<dyn>$/, 'list').replace(/^map<dyn, dyn>$/, 'map');
  return norm(expected) === norm(actual);
}

const PRIMITIVES: Record<string, string> = {
  BOOL: 'bool',
  INT64: 'int',
  UINT64: 'uint',
  DOUBLE: 'double',
  STRING: 'string',
  BYTES: 'bytes',
};
const WELL_KNOWN: Record<string, string> = {
  TIMESTAMP: 'google.protobuf.Timestamp',
  DURATION: 'google.protobuf.Duration',
  ANY: 'dyn',
};

/** A `cel.expr.Type` (proto JSON) in cel-js's spelling, e.g. `map<string, list<int>>`. */
function typeText(type: JsonObject): string {
  const [kind] = Object.keys(type);
  const v = type[kind!] as JsonObject & string;
  switch (kind) {
    case 'primitive':
      return PRIMITIVES[v] ?? 'dyn';
    case 'wellKnown':
      return WELL_KNOWN[v] ?? 'dyn';
    case 'dyn':
      return 'dyn';
    case 'null':
      return 'null';
    case 'listType':
      return `list<${typeText(v.elemType as JsonObject)}>`;
    case 'mapType':
      return `map<${typeText(v.keyType as JsonObject)}, ${typeText(v.valueType as JsonObject)}>`;
    case 'type':
      return 'type';
    case 'abstractType':
      if (v.name === 'optional_type') {
        return `optional<${typeText(((v.parameterTypes ?? []) as JsonObject[])[0] ?? { dyn: {} })}>`;
      }
      throw new OutOfScope(`abstract type ${String(v.name)}`);
    case 'messageType':
      if (v === 'google.protobuf.Value' || v === 'google.protobuf.Any') return 'dyn';
      if (v === 'google.protobuf.Struct') return 'map<string, dyn>';
      if (v === 'google.protobuf.ListValue') return 'list<dyn>';
      throw new OutOfScope(`message type ${v}`);
    default:
      throw new OutOfScope(`type ${kind ?? 'none'}`);
  }
}

/** A `cel.expr.Value` (proto JSON) as the JS value cel-js expects in an activation. */
function decode(value: JsonObject): unknown {
  const [kind] = Object.keys(value);
  const v = value[kind!];
  const o = (v ?? {}) as JsonObject;
  switch (kind) {
    case 'nullValue':
      return null;
    case 'boolValue':
    case 'stringValue':
      return v;
    case 'int64Value':
      return BigInt(String(v));
    case 'uint64Value':
      return new UnsignedInt(BigInt(String(v)));
    case 'doubleValue':
      return Number(v);
    case 'bytesValue':
      return new Uint8Array(Buffer.from(String(v), 'base64'));
    case 'listValue':
      return ((o.values ?? []) as JsonObject[]).map(decode);
    case 'mapValue':
      return new Map(
        ((o.entries ?? []) as { key: JsonObject; value: JsonObject }[]).map((e) => [
          decode(e.key),
          decode(e.value),
        ]),
      );
    case 'objectValue':
      return decodeAny(o);
    default:
      throw new OutOfScope(`binding kind ${kind ?? 'none'}`);
  }
}

function decodeAny(any: JsonObject): unknown {
  const type = String(any['@type']).replace(/^type\.googleapis\.com\//, '');
  const inner = any.value;
  if (type === 'google.protobuf.Duration') {
    const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(String(inner));
    if (!m) throw new OutOfScope(`duration ${String(inner)}`);
    const sign = m[1] ? -1 : 1;
    return new Duration(
      BigInt(sign) * BigInt(m[2]!),
      sign * Number((m[3] ?? '').padEnd(9, '0') || '0'),
    );
  }
  if (type === 'google.protobuf.Timestamp') return new Date(String(inner));
  if (type === 'google.protobuf.Value' || type === 'google.protobuf.Struct') return inner ?? null;
  if (type === 'google.protobuf.ListValue') return inner ?? [];
  throw new OutOfScope(`message ${type}`);
}

function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return nl === -1 ? text : text.slice(0, nl);
}
