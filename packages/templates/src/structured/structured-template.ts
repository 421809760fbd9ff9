import type { EscapeMode } from '../escape/escape-mode.js';
import type { StructuredTemplate } from '../template-definition.js';
import type {
  Bundle,
  CompiledPart,
  LeafProgram,
  TemplateEnvironment,
} from '../template-environment.js';

/** State shared by every part of one render. */
export interface RenderRun {
  /** Partials compiled for an escape mode: a partial escapes like the part using it. */
  partialsFor(mode: EscapeMode): Readonly<Record<string, CompiledPart>>;
  /** A bundle's leaf programs, set up once per render. */
  programs(bundle: Bundle, partialMode: EscapeMode): LeafProgram[];
}

/** Per-node render input: the Handlebars context and data frame, and the render. */
export interface LeafScope {
  readonly context: unknown;
  readonly data: Readonly<Record<string, unknown>>;
  readonly run: RenderRun;
}

/** A RenderRun that sets each bundle up at most once. */
export function renderRun(
  partialsFor: (mode: EscapeMode) => Readonly<Record<string, CompiledPart>>,
): RenderRun {
  const ready = new Map<Bundle, LeafProgram[]>();
  return {
    partialsFor,
    programs(bundle, partialMode) {
      let programs = ready.get(bundle);
      if (!programs) ready.set(bundle, (programs = bundle(partialsFor(partialMode))));
      return programs;
    },
  };
}

/**
 * Collects every source of one template (text parts, structured leaves, the layout)
 * into as few Handlebars bundles as possible, so a render sets Handlebars up once
 * rather than once per source. Sources that use partials are grouped by escape mode,
 * because a partial is compiled to escape like the source that includes it; all the
 * others share the `html` bundle, whatever their own escaping.
 */
export class BundleBuilder {
  readonly #entries = new Map<EscapeMode, { source: string; mode: EscapeMode }[]>();
  readonly #bundles = new Map<EscapeMode, Bundle>();

  add(source: string, mode: EscapeMode): (scope: LeafScope) => string {
    const group: EscapeMode = mode === 'html' || !/\{\{~?\s*#?\s*>/.test(source) ? 'html' : mode;
    let entries = this.#entries.get(group);
    if (!entries) this.#entries.set(group, (entries = []));
    const index = entries.push({ source, mode }) - 1;
    const bundles = this.#bundles;
    return (scope) => {
      const programs = scope.run.programs(bundles.get(group)!, group);
      // A block program made of one mustache returns the raw value, not a string.
      return String(programs[index]!(scope.context, { data: scope.data }));
    };
  }

  /** Compiles the bundles; call once every source is added, before rendering. */
  finish(env: TemplateEnvironment): void {
    for (const [group, entries] of this.#entries)
      this.#bundles.set(group, env.compileBundle(entries));
  }
}

/** A compiled node: renders to a JSON value, or to OMIT (drop it), or SPREAD items. */
export type CompiledNode = (scope: LeafScope) => unknown;

/** Marks a dropped key or array item (a false `$if` without `$else`). */
export const OMIT: unique symbol = Symbol('omit');

class Spread {
  constructor(readonly items: unknown[]) {}
}

/** A leaf path, e.g. `blocks[2].text.text`, used in errors. */
export type NodePath = string;

/** Decides the escape mode of a string leaf from where it sits (e.g. Slack `plain_text`). */
export type LeafEscape = (
  parent: Readonly<Record<string, unknown>> | undefined,
  key: string,
) => EscapeMode;

/** A problem found while compiling a structured template. */
export interface StructureProblem {
  readonly path: NodePath;
  readonly message: string;
  readonly cause?: unknown;
}

const DIRECTIVES = new Set(['$each', '$template', '$if', '$then', '$else', '$value']);

/**
 * Reads `a.b.0.c` from the scope: `this` / `.` is the current context, `@root.x` the
 * whole data, `@index` and friends the loop frame. Own properties only, so a template
 * cannot reach `constructor` or `__proto__`.
 */
export function lookupPath(scope: LeafScope, path: string): unknown {
  let parts = path.split('.').filter((p) => p !== '');
  let value: unknown = scope.context;
  if (parts[0] === 'this') parts = parts.slice(1);
  else if (parts[0]?.startsWith('@')) {
    value = scope.data[parts[0].slice(1)];
    parts = parts.slice(1);
  }
  for (const part of parts) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part))
      return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function truthy(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : Boolean(value);
}

function childPath(path: NodePath, key: string | number): NodePath {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key)
    ? path
      ? `${path}.${key}`
      : key
    : `${path}[${JSON.stringify(key)}]`;
}

/**
 * Compiles a structured template into a render function. Every string leaf is its own
 * Handlebars template (run from the template's bundles, see BundleBuilder); the output is assembled as values, so whatever a leaf renders
 * stays inside its string when the result is serialised. All problems are collected
 * (not the first), each with the path of the leaf and the Handlebars line.
 */
export function compileStructured(
  env: TemplateEnvironment,
  template: StructuredTemplate,
  escape: LeafEscape,
  rootPath: NodePath,
  problems: StructureProblem[],
  eager: boolean,
  bundles: BundleBuilder,
): CompiledNode {
  const compileNode = (
    node: StructuredTemplate,
    path: NodePath,
    parent: Readonly<Record<string, unknown>> | undefined,
    key: string,
  ): CompiledNode => {
    if (typeof node === 'string') {
      if (!node.includes('{{')) return () => node;
      const mode = escape(parent, key);
      try {
        // Compiled alone only to find errors with their own line; renders use the bundle.
        if (eager) env.compile(node, mode, true);
        else env.parse(node);
      } catch (err) {
        problems.push({ path, message: (err as Error).message, cause: err });
        return () => '';
      }
      return bundles.add(node, mode);
    }
    if (node === null || typeof node !== 'object') return () => node;
    if (Array.isArray(node)) {
      const items = (node as readonly StructuredTemplate[]).map((item, i) =>
        compileNode(item, childPath(path, i), parent, key),
      );
      return (scope) => {
        const out: unknown[] = [];
        for (const item of items) {
          const value = item(scope);
          if (value === OMIT) continue;
          if (value instanceof Spread) out.push(...value.items);
          else out.push(value);
        }
        return out;
      };
    }
    const object = node as Readonly<Record<string, StructuredTemplate>>;
    if ('$each' in object) return compileEach(object, path);
    if ('$if' in object) return compileIf(object, path, parent, key);
    if ('$value' in object) {
      const source = object.$value;
      if (typeof source !== 'string' || Object.keys(object).length !== 1) {
        problems.push({
          path,
          message:
            '$value takes a data path string and no other keys, e.g. { "$value": "order.total" }',
        });
        return () => OMIT;
      }
      return (scope) => {
        const value = lookupPath(scope, source);
        return value === undefined ? OMIT : value;
      };
    }
    const entries = Object.entries(object).map(([k, v]) => {
      if (DIRECTIVES.has(k))
        problems.push({
          path: childPath(path, k),
          message: `${k} is only valid with $each, $if or $value`,
        });
      return [k, compileNode(v, childPath(path, k), object, k)] as const;
    });
    return (scope) => {
      const out: Record<string, unknown> = {};
      for (const [k, render] of entries) {
        const value = render(scope);
        if (value === OMIT) continue;
        out[k] = value instanceof Spread ? value.items : value;
      }
      return out;
    };
  };

  const compileEach = (
    object: Readonly<Record<string, StructuredTemplate>>,
    path: NodePath,
  ): CompiledNode => {
    const source = object.$each;
    const extra = Object.keys(object).filter((k) => k !== '$each' && k !== '$template');
    if (typeof source !== 'string' || !('$template' in object) || extra.length > 0) {
      problems.push({
        path,
        message:
          '$each takes a data path and a $template, e.g. { "$each": "items", "$template": { ... } }',
      });
      return () => OMIT;
    }
    const body = compileNode(
      object.$template!,
      childPath(path, '$template'),
      undefined,
      '$template',
    );
    return (scope) => {
      const list = lookupPath(scope, source);
      if (list === undefined || list === null) return new Spread([]);
      if (!Array.isArray(list))
        throw new Error(`${path}: $each "${source}" is ${typeof list}, not an array`);
      const items: unknown[] = [];
      list.forEach((item, index) => {
        const data = { ...scope.data, index, first: index === 0, last: index === list.length - 1 };
        const value = body({ context: item, data, run: scope.run });
        if (value === OMIT) return;
        if (value instanceof Spread) items.push(...value.items);
        else items.push(value);
      });
      return new Spread(items);
    };
  };

  const compileIf = (
    object: Readonly<Record<string, StructuredTemplate>>,
    path: NodePath,
    parent: Readonly<Record<string, unknown>> | undefined,
    key: string,
  ): CompiledNode => {
    const condition = object.$if;
    const extra = Object.keys(object).filter((k) => !['$if', '$then', '$else'].includes(k));
    if (typeof condition !== 'string' || !('$then' in object) || extra.length > 0) {
      problems.push({
        path,
        message:
          '$if takes a data path, $then and optionally $else, e.g. { "$if": "order.paid", "$then": { ... } }',
      });
      return () => OMIT;
    }
    const negate = condition.startsWith('!');
    const source = negate ? condition.slice(1) : condition;
    const then = compileNode(object.$then!, childPath(path, '$then'), parent, key);
    const otherwise =
      '$else' in object
        ? compileNode(object.$else!, childPath(path, '$else'), parent, key)
        : () => OMIT;
    return (scope) =>
      truthy(lookupPath(scope, source)) !== negate ? then(scope) : otherwise(scope);
  };

  const root = compileNode(template, rootPath, undefined, rootPath);
  return (scope) => {
    const value = root(scope);
    return value instanceof Spread ? value.items : value;
  };
}
