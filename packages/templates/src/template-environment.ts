import Handlebars from 'handlebars';
import { escaperFor, type EscapeMode } from './escape/escape-mode.js';
import { intlHelpers } from './helpers/intl-helpers.js';
import type { TemplateHelper } from './helpers/render-context.js';
import { textHelpers } from './helpers/text-helpers.js';

type Ast = hbs.AST.Program;
type Statement = hbs.AST.Statement;

/** A compiled template part: context in, string out. */
export type CompiledPart = (context: unknown, options?: Handlebars.RuntimeOptions) => string;

/** Where a Handlebars error points, when it says. */
export interface SourcePosition {
  readonly line?: number;
  readonly column?: number;
}

const ESCAPE_HELPER: Readonly<Record<'slack' | 'markdown-v2', string>> = {
  slack: 'heraldEscapeSlack',
  'markdown-v2': 'heraldEscapeMarkdownV2',
};

/**
 * One isolated Handlebars environment (`Handlebars.create()`) with Herald's helpers:
 * nothing registered on the global Handlebars can change what a template renders,
 * and templates only call helpers known at compile time (`knownHelpersOnly`), so an
 * unknown helper is a compile error with a line number rather than a failure at
 * send time.
 */
export class TemplateEnvironment {
  readonly #hb: typeof Handlebars;
  readonly #knownHelpers: Record<string, boolean>;
  readonly helperNames: ReadonlySet<string>;

  constructor(extraHelpers: Readonly<Record<string, TemplateHelper>> = {}) {
    this.#hb = Handlebars.create();
    const hb = this.#hb;
    const safe = (text: string): unknown => new hb.SafeString(text);
    const helpers: Record<string, TemplateHelper> = {
      ...intlHelpers,
      ...textHelpers(safe),
      ...extraHelpers,
    };
    for (const mode of ['slack', 'markdown-v2'] as const) {
      const escape = escaperFor(mode);
      helpers[ESCAPE_HELPER[mode]] = (value: unknown) => {
        // Same contract as Handlebars' HTML escaping: SafeString passes untouched,
        // null and undefined render empty, everything else through String().
        if (value instanceof hb.SafeString) return value.toString();
        if (value === undefined || value === null) return '';
        return escape(String(value));
      };
    }
    for (const [name, fn] of Object.entries(helpers)) hb.registerHelper(name, fn as Handlebars.HelperDelegate);
    this.#knownHelpers = Object.fromEntries(Object.keys(helpers).map((name) => [name, true]));
    this.helperNames = new Set(Object.keys(helpers));
  }

  /** Wraps text so `{{ }}` does not escape it again (what helpers return for markup). */
  safe(text: string): unknown {
    return new this.#hb.SafeString(text);
  }

  /** Parses a source; throws Handlebars' parse error (see `positionOf`). */
  parse(source: string): Ast {
    return this.#hb.parse(source);
  }

  /**
   * Compiles a source for an escape mode. With `eager`, code generation runs now, so
   * compile errors (an unknown helper) surface here instead of at the first render.
   */
  compile(source: string, mode: EscapeMode, eager = false): CompiledPart {
    const options = { knownHelpers: this.#knownHelpers, knownHelpersOnly: true, noEscape: mode !== 'html' };
    if (eager) this.#hb.precompile(this.#prepare(source, mode), options);
    return this.#hb.compile(this.#prepare(source, mode), options) as CompiledPart;
  }

  #prepare(source: string, mode: EscapeMode): Ast | string {
    if (mode === 'html' || mode === 'none') return source;
    const ast = this.#hb.parse(source);
    // The AST comes from parsing the template text; only our own helper call is added.
    wrapEscapedMustaches(ast, ESCAPE_HELPER[mode], this.helperNames);
    return ast;
  }
}

/**
 * Rewrites every escaped `{{expr}}` into `{{{escapeHelper expr}}}`, so a mode other than
 * HTML escapes exactly what Handlebars would have HTML-escaped, and nothing else:
 * literal text, `{{{raw}}}` and SafeStrings stay as written. Handlebars has no
 * per-environment escape function (it calls a module-level one), hence the rewrite.
 */
function wrapEscapedMustaches(program: Ast, helper: string, helpers: ReadonlySet<string>): void {
  const visit = (node: Ast | undefined): void => {
    if (!node) return;
    node.body = node.body.map(rewrite);
  };
  const rewrite = (statement: Statement): Statement => {
    switch (statement.type) {
      case 'MustacheStatement': {
        const m = statement as hbs.AST.MustacheStatement;
        if (!m.escaped) return m;
        const isCall =
          m.params.length > 0 ||
          (m.hash !== undefined && m.hash.pairs.length > 0) ||
          (m.path.type === 'PathExpression' && helpers.has((m.path as hbs.AST.PathExpression).original));
        const value: hbs.AST.Expression = isCall
          ? ({ type: 'SubExpression', path: m.path, params: m.params, hash: m.hash, loc: m.loc } as hbs.AST.SubExpression)
          : m.path;
        const path: hbs.AST.PathExpression = {
          type: 'PathExpression',
          data: false,
          depth: 0,
          parts: [helper],
          original: helper,
          loc: m.loc,
        };
        return { ...m, path, params: [value], hash: undefined, escaped: false } as unknown as hbs.AST.MustacheStatement;
      }
      case 'BlockStatement':
      case 'DecoratorBlock': {
        const b = statement as hbs.AST.BlockStatement;
        visit(b.program);
        visit(b.inverse);
        return b;
      }
      case 'PartialBlockStatement':
        visit((statement as hbs.AST.PartialBlockStatement).program);
        return statement;
      default:
        return statement;
    }
  };
  visit(program);
}

/**
 * Line and column of a Handlebars error: compile errors carry `lineNumber`/`column`
 * (column 0-based), parse errors only say "Parse error on line N".
 */
export function positionOf(err: unknown): SourcePosition {
  const e = err as { lineNumber?: unknown; column?: unknown; message?: unknown };
  if (typeof e?.lineNumber === 'number') {
    return typeof e.column === 'number' ? { line: e.lineNumber, column: e.column + 1 } : { line: e.lineNumber };
  }
  const match = typeof e?.message === 'string' ? /Parse error on line (\d+)/.exec(e.message) : null;
  return match ? { line: Number(match[1]) } : {};
}

/** Walks an AST and reports each static partial reference with its position. */
export function partialReferences(program: Ast): { name: string; line: number; column: number }[] {
  const found: { name: string; line: number; column: number }[] = [];
  const visit = (node: Ast | undefined): void => {
    for (const statement of node?.body ?? []) {
      if (statement.type === 'PartialStatement' || statement.type === 'PartialBlockStatement') {
        const p = statement as hbs.AST.PartialStatement;
        // `{{> (lookup ...)}}` is dynamic and `{{> @partial-block}}` is the caller's block.
        if (p.name.type === 'PathExpression' && !(p.name as hbs.AST.PathExpression).data) {
          found.push({ name: (p.name as hbs.AST.PathExpression).original, line: p.loc.start.line, column: p.loc.start.column + 1 });
        }
      }
      if (statement.type === 'PartialBlockStatement') visit((statement as hbs.AST.PartialBlockStatement).program);
      if (statement.type === 'BlockStatement' || statement.type === 'DecoratorBlock') {
        visit((statement as hbs.AST.BlockStatement).program);
        visit((statement as hbs.AST.BlockStatement).inverse);
      }
    }
  };
  visit(program);
  return found;
}
