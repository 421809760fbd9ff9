import type { Environment, ParseResult } from '@marcbachmann/cel-js';
import { celEnvironment } from './cel-environment.js';

/**
 * The variables every Herald CEL expression sees. Values must already be in CEL form
 * (see `toCelValue`): the rule set converts an event once and shares it across rules.
 */
export interface CelActivation {
  /** The CloudEvent: attributes, extensions (`tenantid`, `severity`, ...) and `data`. */
  readonly event: unknown;
  /** The recipient being considered; an empty map where no recipient is in scope. */
  readonly recipient: unknown;
  /** The evaluation time, passed in so evaluation stays pure. */
  readonly now: Date;
}

/** What an expression must produce, checked at compile time where types are known. */
export type CelResultKind = 'bool' | 'recipients' | 'value';

export type CelEvalResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: string; readonly code: string };

/** A compiled, type-checked expression; evaluation never throws. */
export interface CelProgram {
  readonly expression: string;
  /** The type the checker inferred, e.g. `bool`, `list<string>`, `dyn`. */
  readonly type: string;
  /** The parsed tree, for static analysis (e.g. the rule type index). */
  readonly ast: unknown;
  evaluate(activation: CelActivation): CelEvalResult;
}

/** Why an expression was refused; offsets are within the expression text. */
export interface CelCompileFailure {
  readonly ok: false;
  readonly code: string;
  /** One line, e.g. `Unknown variable: evnt`. */
  readonly summary: string;
  readonly start: number;
  readonly end: number;
}

export type CelCompileResult =
  { readonly ok: true; readonly program: CelProgram } | CelCompileFailure;

// Shape of cel-js errors; its .d.ts declares these fields on ParseError/TypeError/EvaluationError.
interface CelErrorLike {
  readonly code?: string;
  readonly summary?: string;
  readonly message: string;
  readonly range?: { readonly start: number; readonly end: number };
}

const ACCEPTED: Record<CelResultKind, (type: string) => boolean> = {
  bool: (type) => type === 'bool' || type === 'dyn',
  recipients: (type) =>
    type === 'dyn' || type === 'string' || type.startsWith('list') || type.startsWith('map'),
  value: () => true,
};

const EXPECTED: Record<CelResultKind, string> = {
  bool: 'bool',
  recipients: 'a list of recipient ids or address maps',
  value: 'any value',
};

const DEFAULT_CACHE_LIMIT = 10_000;

/**
 * Herald's CEL engine: `@marcbachmann/cel-js` behind the three calls Herald needs.
 * Expressions are parsed and type-checked once and cached by text, so the same
 * condition in many rules, or a reload of an unchanged file, compiles once.
 *
 * Declared variables: `event` (map), `recipient` (map), `now` (timestamp). Optional
 * chaining is on: `event.data.?region.orValue("eu")` reads a field that may be absent.
 *
 * @example
 * const engine = new CelEngine();
 * const compiled = engine.compile('event.data.count > 2', 'bool');
 * if (compiled.ok) compiled.program.evaluate({ event: toCelValue(event), recipient: {}, now });
 */
export class CelEngine {
  readonly #env: Environment;
  readonly #cache = new Map<
    string,
    { parsed: ParseResult; type?: string; failure?: CelCompileFailure }
  >();
  readonly #cacheLimit: number;

  constructor(options: { cacheLimit?: number } = {}) {
    this.#cacheLimit = options.cacheLimit ?? DEFAULT_CACHE_LIMIT;
    this.#env = celEnvironment()
      .registerVariable('event', 'map')
      .registerVariable('recipient', 'map')
      .registerVariable('now', 'google.protobuf.Timestamp');
  }

  /** Parses and type-checks `expression`, requiring a result of `kind`. Never throws. */
  compile(expression: string, kind: CelResultKind): CelCompileResult {
    let entry = this.#cache.get(expression);
    if (entry === undefined) {
      entry = this.#parse(expression);
      // Hot reloads keep adding expressions; a full reset is simpler than LRU and rare.
      if (this.#cache.size >= this.#cacheLimit) this.#cache.clear();
      this.#cache.set(expression, entry);
    }
    if (entry.failure !== undefined) return entry.failure;
    const type = entry.type ?? 'dyn';
    if (!ACCEPTED[kind](type)) {
      return {
        ok: false,
        code: 'wrong_result_type',
        summary: `expression must evaluate to ${EXPECTED[kind]}, but its type is ${type}`,
        start: 0,
        end: expression.length,
      };
    }
    return {
      ok: true,
      program: new CompiledProgram(expression, type, entry.parsed, kind === 'bool'),
    };
  }

  #parse(expression: string): { parsed: ParseResult; type?: string; failure?: CelCompileFailure } {
    let parsed: ParseResult;
    try {
      parsed = this.#env.parse(expression);
    } catch (err) {
      return { parsed: undefined as never, failure: failureOf(err, expression) };
    }
    const checked = parsed.check();
    if (!checked.valid) return { parsed, failure: failureOf(checked.error, expression) };
    return { parsed, type: checked.type ?? 'dyn' };
  }
}

function failureOf(err: unknown, expression: string): CelCompileFailure {
  const e = (err ?? {}) as CelErrorLike;
  const start = clamp(e.range?.start ?? 0, expression.length);
  return {
    ok: false,
    code: e.code ?? 'invalid_expression',
    summary: e.summary ?? firstLine(e.message ?? String(err)),
    start,
    end: clamp(e.range?.end ?? start, expression.length),
  };
}

function clamp(n: number, max: number): number {
  return Math.max(0, Math.min(n, max));
}

function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return nl === -1 ? text : text.slice(0, nl);
}

class CompiledProgram implements CelProgram {
  readonly expression: string;
  readonly type: string;
  readonly #parsed: ParseResult;
  readonly #mustBeBool: boolean;

  constructor(expression: string, type: string, parsed: ParseResult, mustBeBool: boolean) {
    this.expression = expression;
    this.type = type;
    this.#parsed = parsed;
    // Only `dyn` conditions can yield a non-bool at run time; a `bool` one cannot.
    this.#mustBeBool = mustBeBool && type === 'dyn';
  }

  get ast(): unknown {
    return this.#parsed.ast;
  }

  evaluate(activation: CelActivation): CelEvalResult {
    let value: unknown;
    // An absent field is the common failure ("no match"), and cel-js reports it by
    // throwing; capturing the stack trace is ~4x the cost of the evaluation itself and
    // nobody reads it (the reason is the summary). Evaluation is synchronous, so the
    // limit is restored before any other code runs.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      value = this.#parsed(activation as unknown as Record<string, unknown>);
    } catch (err) {
      const e = err as CelErrorLike;
      return {
        ok: false,
        code: e.code ?? 'evaluation_error',
        reason: e.summary ?? firstLine(e.message ?? String(err)),
      };
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    if (this.#mustBeBool && typeof value !== 'boolean') {
      return {
        ok: false,
        code: 'not_bool',
        reason: `condition produced ${describe(value)}, expected bool`,
      };
    }
    return { ok: true, value };
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'bigint') return 'an int';
  return typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}
