import Handlebars from 'handlebars';
import { escaperFor, type EscapeMode } from './escape/escape-mode.js';
import { intlHelpers } from './helpers/intl-helpers.js';
import type { TemplateHelper } from './helpers/render-context.js';
import { textHelpers } from './helpers/text-helpers.js';

type Ast = hbs.AST.Program;
type Statement = hbs.AST.Statement;

/** A compiled template part: context in, string out. */
export type CompiledPart = (context: unknown, options?: Handlebars.RuntimeOptions) => string;

/** One leaf of a bundle, ready to run: cheap to call, see `compileBundle`. */
export type LeafProgram = (context: unknown, options: { data: unknown }) => string;

/** Runs a bundle's set-up once and hands back one program per source. */
export type Bundle = (partials: Readonly<Record<string, CompiledPart>>) => LeafProgram[];

const HARVEST_HELPER = 'heraldLeaf';

// Handlebars already refuses prototype properties and methods; saying so explicitly
// also stops it logging each refused name to the console.
const NO_PROTO_ACCESS = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false };

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
    helpers[HARVEST_HELPER] = (index, options) => {
      const { fn, data } = options as { fn: LeafProgram; data: { heraldLeaves: LeafProgram[] } };
      data.heraldLeaves[index as number] = fn;
      return '';
    };
    for (const [name, fn] of Object.entries(helpers))
      hb.registerHelper(name, fn as Handlebars.HelperDelegate);
    // `log` writes to the console: a package never chooses a log sink, and a template
    // must not be able to fill the worker's logs. Unregistered and unknown, so
    // `{{log x}}` is refused when the template is saved.
    hb.unregisterHelper('log');
    this.#knownHelpers = {
      ...Object.fromEntries(Object.keys(helpers).map((name) => [name, true])),
      log: false,
    };
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
    const options = {
      knownHelpers: this.#knownHelpers,
      knownHelpersOnly: true,
      noEscape: mode !== 'html',
    };
    if (eager) this.#hb.precompile(this.#prepare(source, mode), options);
    return this.#hb.compile(this.#prepare(source, mode), options) as CompiledPart;
  }

  /**
   * Compiles many small sources (the leaves of a structured template) into one
   * Handlebars template, each source the block of a helper that hands its program
   * back instead of rendering it. Every top-level Handlebars call re-wraps every
   * registered helper, which for a Block Kit message of a dozen leaves cost more than
   * the rendering itself; a bundle pays that once per render and then runs each leaf
   * program, with any context and data frame, as often as `$each` needs.
   */
  compileBundle(
    entries: readonly { readonly source: string; readonly mode: EscapeMode }[],
  ): Bundle {
    const noStrip = { open: false, close: false };
    const body = entries.map(({ source, mode }, index) => {
      const program = this.#hb.parse(source);
      // The bundle is compiled with HTML escaping; other modes escape explicitly, so
      // escaping is decided per source, never by the bundle's compile options.
      if (mode === 'slack' || mode === 'markdown-v2')
        wrapEscapedMustaches(program, ESCAPE_HELPER[mode], this.helperNames);
      else if (mode === 'none') wrapEscapedMustaches(program, undefined, this.helperNames);
      const loc = program.loc;
      return {
        type: 'BlockStatement',
        path: {
          type: 'PathExpression',
          data: false,
          depth: 0,
          parts: [HARVEST_HELPER],
          original: HARVEST_HELPER,
          loc,
        },
        params: [{ type: 'NumberLiteral', value: index, original: index, loc }],
        hash: undefined,
        program,
        inverse: undefined,
        openStrip: noStrip,
        inverseStrip: noStrip,
        closeStrip: noStrip,
        loc,
      };
    });
    const root = { type: 'Program', body, blockParams: undefined, strip: {}, loc: undefined };
    const options = { knownHelpers: this.#knownHelpers, knownHelpersOnly: true };
    const compiled = this.#hb.compile(root, options) as CompiledPart;
    return (partials) => {
      const heraldLeaves: LeafProgram[] = [];
      compiled(null, { data: { root: null, heraldLeaves }, partials, ...NO_PROTO_ACCESS });
      return heraldLeaves;
    };
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
 * Rewrites every escaped `{{expr}}` into `{{{escapeHelper expr}}}` (or `{{{expr}}}`
 * without a helper), so a mode other than
 * HTML escapes exactly what Handlebars would have HTML-escaped, and nothing else:
 * literal text, `{{{raw}}}` and SafeStrings stay as written. Handlebars has no
 * per-environment escape function (it calls a module-level one), hence the rewrite.
 */
function wrapEscapedMustaches(
  program: Ast,
  helper: string | undefined,
  helpers: ReadonlySet<string>,
): void {
  const visit = (node: Ast | undefined): void => {
    if (!node) return;
    node.body = node.body.map(rewrite);
  };
  const rewrite = (statement: Statement): Statement => {
    switch (statement.type) {
      case 'MustacheStatement': {
        const m = statement as hbs.AST.MustacheStatement;
        if (!m.escaped) return m;
        if (helper === undefined) return { ...m, escaped: false } as hbs.AST.MustacheStatement;
        const isCall =
          m.params.length > 0 ||
          (m.hash !== undefined && m.hash.pairs.length > 0) ||
          (m.path.type === 'PathExpression' &&
            helpers.has((m.path as hbs.AST.PathExpression).original));
        const value: hbs.AST.Expression = isCall
          ? ({
              type: 'SubExpression',
              path: m.path,
              params: m.params,
              hash: m.hash,
              loc: m.loc,
            } as hbs.AST.SubExpression)
          : m.path;
        const path: hbs.AST.PathExpression = {
          type: 'PathExpression',
          data: false,
          depth: 0,
          parts: [helper],
          original: helper,
          loc: m.loc,
        };
        return {
          ...m,
          path,
          params: [value],
          hash: undefined,
          escaped: false,
        } as unknown as hbs.AST.MustacheStatement;
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
    return typeof e.column === 'number'
      ? { line: e.lineNumber, column: e.column + 1 }
      : { line: e.lineNumber };
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
          found.push({
            name: (p.name as hbs.AST.PathExpression).original,
            line: p.loc.start.line,
            column: p.loc.start.column + 1,
          });
        }
      }
      if (statement.type === 'PartialBlockStatement')
        visit((statement as hbs.AST.PartialBlockStatement).program);
      if (statement.type === 'BlockStatement' || statement.type === 'DecoratorBlock') {
        visit((statement as hbs.AST.BlockStatement).program);
        visit((statement as hbs.AST.BlockStatement).inverse);
      }
    }
  };
  visit(program);
  return found;
}
