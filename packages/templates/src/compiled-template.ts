import { isChannelName } from '@herald/core';
import { channelSpecs } from './channels/channel-specs.js';
import type { EscapeMode } from './escape/escape-mode.js';
import type { LimitViolation } from './limits/provider-limits.js';
import { canonicalLocale } from './locale/locale-chain.js';
import {
  BundleBuilder,
  compileStructured,
  type LeafScope,
  type StructureProblem,
} from './structured/structured-template.js';
import type { StructuredTemplate, TemplateDefinition } from './template-definition.js';
import { partialReferences, positionOf, type TemplateEnvironment } from './template-environment.js';

/** One thing wrong with a template, precise enough to fix without guessing. */
export interface TemplateProblem {
  /** INVALID: the template cannot be used; LIMIT: it renders the sample over a provider limit. */
  readonly code: 'HERALD_ERR_TEMPLATE_INVALID' | 'HERALD_ERR_TEMPLATE_LIMIT';
  /** `id@version`. */
  readonly template: string;
  readonly channel: string;
  readonly locale: string;
  /** The part, and for structured parts the leaf: `html`, `blocks[2].text.text`. */
  readonly part?: string;
  /** Line in the part's source (1-based), when Handlebars or the check knows it. */
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
  readonly limit?: LimitViolation;
}

/** A part ready to render. */
export interface CompiledPartEntry {
  readonly name: string;
  readonly mode: EscapeMode | 'structured';
  render(scope: LeafScope): unknown;
}

/** A definition compiled once and cached by id, version, channel and locale. */
export interface CompiledTemplate {
  readonly definition: TemplateDefinition;
  readonly name: string;
  readonly parts: readonly CompiledPartEntry[];
  /** The email layout's name, and its program when it was found. */
  readonly layout: string | undefined;
  readonly renderLayout: ((scope: LeafScope) => string) | undefined;
}

export function templateName(def: { id?: unknown; version?: unknown }): string {
  return `${String(def.id)}@${String(def.version)}`;
}

type Problem = Omit<TemplateProblem, 'template' | 'channel' | 'locale' | 'code'> & {
  code?: TemplateProblem['code'];
};

/** Compact form of a Handlebars error: its snippet and expectation on one line. */
export function handlebarsMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const lines = message.split('\n');
  if (/^Parse error on line \d+:$/.test(lines[0] ?? '') && lines.length >= 4) {
    return `near "${lines[1]!.trim()}": ${lines.slice(3).join(' ')}`;
  }
  return message.replace(/ - \d+:\d+$/, '');
}

/** Checks the definition's shape: the fields, the channel and its parts. */
export function checkShape(def: TemplateDefinition): Problem[] {
  const problems: Problem[] = [];
  const d = def as unknown as Record<string, unknown>;
  if (typeof d.id !== 'string' || !/^[A-Za-z0-9][\w.:-]*$/.test(d.id)) {
    problems.push({
      message: `id ${JSON.stringify(d.id)} must be letters, digits, ".", "_", ":" or "-" (no "@", which separates the version)`,
    });
  }
  if (!Number.isInteger(d.version) || (d.version as number) < 1) {
    problems.push({ message: `version ${JSON.stringify(d.version)} must be a positive integer` });
  }
  if (typeof d.locale !== 'string' || canonicalLocale(d.locale) === undefined) {
    problems.push({
      message: `locale ${JSON.stringify(d.locale)} must be a BCP 47 tag such as "fr-CA", or "default"`,
    });
  } else if (canonicalLocale(d.locale) !== d.locale) {
    problems.push({
      message: `locale "${d.locale}" must be written in canonical form: "${canonicalLocale(d.locale)}"`,
    });
  }
  if (!isChannelName(d.channel)) {
    problems.push({
      message: `channel ${JSON.stringify(d.channel)} is not one of ${Object.keys(channelSpecs).join(', ')}`,
    });
    return problems;
  }
  const parts = d.parts;
  if (parts === null || typeof parts !== 'object' || Array.isArray(parts)) {
    problems.push({ message: "parts must be an object of the channel's template parts" });
    return problems;
  }
  const spec = channelSpecs[d.channel];
  for (const [name, value] of Object.entries(parts)) {
    const partSpec = spec.parts[name];
    if (!partSpec) {
      problems.push({
        part: name,
        message: `unknown part for ${d.channel}; expected ${Object.keys(spec.parts).join(', ')}`,
      });
    } else if (partSpec.kind !== 'structured' && value !== undefined && typeof value !== 'string') {
      problems.push({
        part: name,
        message: `must be a string, got ${Array.isArray(value) ? 'array' : typeof value}`,
      });
    }
  }
  for (const [name, partSpec] of Object.entries(spec.parts)) {
    if (partSpec.required && (parts as Record<string, unknown>)[name] === undefined) {
      problems.push({ part: name, message: `${d.channel} templates need a "${name}" part` });
    }
  }
  return problems;
}

/**
 * Compiles every part of a definition whose shape is right. With `eager`, Handlebars
 * code generation runs now so that every compile error is reported, with its line;
 * `partialExists` lets static `{{> name}}` references be checked the same way.
 */
export function compileTemplate(
  env: TemplateEnvironment,
  def: TemplateDefinition,
  problems: Problem[],
  options: {
    eager: boolean;
    partialExists?: (name: string) => boolean;
    layoutSource?: (name: string) => string | undefined;
  },
): CompiledTemplate {
  const spec = channelSpecs[def.channel];
  const bundles = new BundleBuilder();
  const partsIn = def.parts as unknown as Readonly<Record<string, unknown>>;
  const parts: CompiledPartEntry[] = [];
  for (const [name, partSpec] of Object.entries(spec.parts)) {
    const source = partsIn[name];
    if (source === undefined || partSpec.kind === 'name') continue;
    if (partSpec.kind === 'text') {
      if (typeof source !== 'string') continue;
      try {
        if (options.partialExists) {
          for (const ref of partialReferences(env.parse(source))) {
            if (!options.partialExists(ref.name)) {
              problems.push({
                part: name,
                line: ref.line,
                column: ref.column,
                message: `partial "${ref.name}" is not defined for this locale or "default"`,
              });
            }
          }
        }
        // Compiled alone to report errors with their own line; renders use the bundle.
        if (options.eager) env.compile(source, partSpec.escape, true);
        else env.parse(source);
        parts.push({ name, mode: partSpec.escape, render: bundles.add(source, partSpec.escape) });
      } catch (err) {
        problems.push({ part: name, ...positionOf(err), message: handlebarsMessage(err) });
      }
      continue;
    }
    const structureProblems: StructureProblem[] = [];
    const render = compileStructured(
      env,
      source as StructuredTemplate,
      partSpec.escape,
      name,
      structureProblems,
      options.eager,
      bundles,
    );
    for (const p of structureProblems) {
      problems.push({
        part: p.path,
        ...(p.cause ? positionOf(p.cause) : {}),
        message: p.cause ? handlebarsMessage(p.cause) : p.message,
      });
    }
    parts.push({ name, mode: 'structured', render });
  }
  const layout = typeof partsIn.layout === 'string' ? partsIn.layout : undefined;
  const layoutSource = layout === undefined ? undefined : options.layoutSource?.(layout);
  const renderLayout = layoutSource === undefined ? undefined : bundles.add(layoutSource, 'html');
  bundles.finish(env);
  return { definition: def, name: templateName(def), parts, layout, renderLayout };
}

/** `html, line 3, column 5: …` */
export function formatProblem(p: TemplateProblem): string {
  const at = [
    p.part,
    p.line !== undefined ? `line ${p.line}` : undefined,
    p.column !== undefined ? `column ${p.column}` : undefined,
  ]
    .filter((x) => x !== undefined)
    .join(', ');
  return at ? `${at}: ${p.message}` : p.message;
}
