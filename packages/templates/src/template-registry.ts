import { HeraldError, type ChannelName, type RenderedContent } from '@herald/core';
import { channelSpecs } from './channels/channel-specs.js';
import {
  checkShape,
  compileTemplate,
  formatProblem,
  handlebarsMessage,
  templateName,
  type CompiledTemplate,
  type TemplateProblem,
} from './compiled-template.js';
import type { EscapeMode } from './escape/escape-mode.js';
import {
  defaultLimits,
  describeViolation,
  LimitChecker,
  type LimitViolation,
  type ProviderLimits,
} from './limits/provider-limits.js';
import { canonicalLocale, DEFAULT_LOCALE, localeChain } from './locale/locale-chain.js';
import {
  parseTemplateRef,
  type LayoutDefinition,
  type PartialDefinition,
  type TemplateDefinition,
  type TemplateRef,
} from './template-definition.js';
import { TemplateRenderError } from './template-render-error.js';
import { CompiledRenderer, where } from './render-compiled.js';
import type {
  RenderOptions,
  TemplateRegistryOptions,
  ValidateOptions,
} from './template-registry-options.js';
import { positionOf, TemplateEnvironment, type CompiledPart } from './template-environment.js';

const SAMPLE_NOW = new Date('2025-01-01T12:00:00Z');

interface Located<T> {
  readonly locale: string;
  readonly value: T;
}

/**
 * Templates in memory, by id, version, channel and locale, compiled once and cached.
 * Pure: no IO, no clock of its own. The store loads definitions into a registry; a
 * worker renders from it.
 *
 * @example
 * const registry = new TemplateRegistry();
 * registry.add({ id: 'welcome', version: 1, channel: 'sms', locale: 'default',
 *   parts: { text: 'Hi {{name}}, your code is {{code}}' } }, { name: 'Ann', code: '1234' });
 * registry.render('welcome', 'sms', 'fr-CA', { name: 'Ann', code: '9' }, { now: new Date() });
 * // { text: 'Hi Ann, your code is 9', encoding: 'GSM-7', segments: 1 }
 */
export class TemplateRegistry {
  readonly #env: TemplateEnvironment;
  readonly #limits: ProviderLimits;
  readonly #fallbackLocale: string;
  readonly #cacheSize: number;
  /** `id|channel|locale` → version → definition. */
  readonly #definitions = new Map<string, Map<number, TemplateDefinition>>();
  readonly #partials = new Map<string, PartialDefinition>();
  readonly #layouts = new Map<string, LayoutDefinition>();
  readonly #compiled = new Map<string, CompiledTemplate>();
  readonly #partialSets = new Map<string, Readonly<Record<string, CompiledPart>>>();
  readonly #renderer: CompiledRenderer;

  constructor(options: TemplateRegistryOptions = {}) {
    this.#env = new TemplateEnvironment(options.helpers);
    this.#limits = { ...defaultLimits, ...options.limits };
    this.#fallbackLocale = canonicalLocale(options.fallbackLocale) ?? 'en';
    this.#cacheSize = options.cacheSize ?? 1000;
    this.#renderer = new CompiledRenderer(this.#env, this.#fallbackLocale, (locale, mode) =>
      this.#partialSet(locale, mode),
    );
    for (const partial of options.partials ?? []) this.definePartial(partial);
    for (const layout of options.layouts ?? []) this.defineLayout(layout);
  }

  /** The limits renders are checked against. */
  get limits(): ProviderLimits {
    return this.#limits;
  }

  /** Adds or replaces a partial; refused with its line when it does not compile. */
  definePartial(partial: PartialDefinition): void {
    this.#defineSource('partial', partial, this.#partials);
  }

  /** Adds or replaces an email layout; it receives the rendered HTML as `{{body}}`. */
  defineLayout(layout: LayoutDefinition): void {
    this.#defineSource('layout', layout, this.#layouts);
  }

  #defineSource<T extends PartialDefinition | LayoutDefinition>(
    kind: string,
    def: T,
    into: Map<string, T>,
  ): void {
    const locale = canonicalLocale(def.locale ?? DEFAULT_LOCALE);
    if (locale === undefined) {
      throw new HeraldError('HERALD_ERR_TEMPLATE_INVALID', [
        `${kind} ${def.name}`,
        '-',
        def.locale,
        'the locale is not a BCP 47 tag',
      ]);
    }
    try {
      // Compiled now (not only parsed) so an unknown helper is refused here, with its line.
      this.#env.compile(def.source, 'html', true);
    } catch (err) {
      const { line, column } = positionOf(err);
      throw new HeraldError('HERALD_ERR_TEMPLATE_INVALID', [
        `${kind} ${def.name}`,
        '-',
        locale,
        `line ${line ?? '?'}${column === undefined ? '' : `, column ${column}`}: ${handlebarsMessage(err)}`,
      ]);
    }
    into.set(`${def.name}|${locale}`, def);
    // Compiled templates hold their layout, and partial sets are resolved: start again.
    this.#partialSets.clear();
    this.#compiled.clear();
  }

  /**
   * Checks a definition as it would be saved and returns every problem (none when it
   * is fine): its shape, each part compiled (errors with their line), partial and
   * layout references, then a render of `sampleData` checked against the provider
   * limits and, for Telegram, MarkdownV2 syntax.
   */
  validate(
    def: TemplateDefinition,
    sampleData?: unknown,
    options: ValidateOptions = {},
  ): TemplateProblem[] {
    const where = {
      template: templateName(def),
      channel: String((def as { channel?: unknown }).channel),
      locale: String((def as { locale?: unknown }).locale),
    };
    const problems: TemplateProblem[] = [];
    const push = (
      p: Omit<TemplateProblem, 'template' | 'channel' | 'locale' | 'code'> & {
        code?: TemplateProblem['code'];
      },
    ): void => {
      problems.push({ code: 'HERALD_ERR_TEMPLATE_INVALID', ...where, ...p });
    };
    checkShape(def).forEach(push);
    if (problems.length > 0) return problems;

    const locale = def.locale;
    const compiled = this.#compile(def);
    const compileProblems: Parameters<typeof push>[0][] = [];
    compileTemplate(this.#env, def, compileProblems, {
      eager: true,
      partialExists: (name) => this.#find(this.#partials, name, locale) !== undefined,
    });
    compileProblems.forEach(push);
    if (
      compiled.layout !== undefined &&
      this.#find(this.#layouts, compiled.layout, locale) === undefined
    ) {
      push({
        part: 'layout',
        message: `layout "${compiled.layout}" is not defined for this locale or "default"`,
      });
    }
    if (problems.length > 0 || sampleData === undefined) return problems;

    let content: Record<string, unknown>;
    try {
      content = this.#renderer.render(compiled, options.locale ?? locale, sampleData, {
        timezone: options.timezone ?? 'UTC',
        now: options.now ?? SAMPLE_NOW,
      });
    } catch (err) {
      const detail = err instanceof HeraldError && err.cause instanceof Error ? err.cause : err;
      push({
        ...(err instanceof TemplateRenderError ? { part: err.part } : {}),
        message: `rendering the sample data failed: ${handlebarsMessage(detail)}`,
      });
      return problems;
    }
    for (const limit of this.#violations(def.channel, content)) {
      push({
        code: 'HERALD_ERR_TEMPLATE_LIMIT',
        part: limit.path,
        message: describeViolation(limit),
        limit,
      });
    }
    for (const lint of channelSpecs[def.channel].lint?.(content) ?? []) {
      const { path, ...rest } = lint;
      push({ part: path, ...rest, message: `${lint.message} (in the sample's rendered output)` });
    }
    return problems;
  }

  /**
   * Validates and adds a definition (see `validate`); refused with every problem in
   * one HERALD_ERR_TEMPLATE_INVALID error. Without sample data only the shape and the
   * compile are checked, for definitions already validated when they were stored.
   */
  add(def: TemplateDefinition, sampleData?: unknown, options?: ValidateOptions): void {
    const problems = this.validate(def, sampleData, options);
    if (problems.length > 0) {
      const detail = problems.map((p) => `\n  - ${formatProblem(p)}`).join('');
      throw new HeraldError('HERALD_ERR_TEMPLATE_INVALID', [
        templateName(def),
        def.channel,
        def.locale,
        `${problems.length} problem(s):${detail}`,
      ]);
    }
    const key = `${def.id}|${def.channel}|${def.locale}`;
    let versions = this.#definitions.get(key);
    if (!versions) this.#definitions.set(key, (versions = new Map()));
    versions.set(def.version, def);
    this.#compiled.delete(`${templateName(def)}|${def.channel}|${def.locale}`);
  }

  /**
   * The definition a render would use: the first locale of the chain (`fr-CA` → `fr`
   * → `default` → fallback locale) holding the template, at the version asked for,
   * or its latest version there.
   */
  resolve(ref: TemplateRef, channel: ChannelName, locale: string | undefined): TemplateDefinition {
    const { id, version } = parseTemplateRef(ref);
    const chain = localeChain(locale, this.#fallbackLocale);
    for (const candidate of chain) {
      const versions = this.#definitions.get(`${id}|${channel}|${candidate}`);
      if (!versions) continue;
      if (version !== undefined) {
        const def = versions.get(version);
        if (def) return def;
        continue;
      }
      let latest: TemplateDefinition | undefined;
      for (const def of versions.values())
        if (!latest || def.version > latest.version) latest = def;
      if (latest) return latest;
    }
    throw new HeraldError('HERALD_ERR_TEMPLATE_NOT_FOUND', [
      version === undefined ? id : `${id}@${version}`,
      channel,
      locale ?? DEFAULT_LOCALE,
      chain.join(' → '),
    ]);
  }

  /**
   * Renders a template for a recipient. Dates, numbers and plurals follow the
   * recipient's `locale` and `timezone`, even when the template itself fell back to
   * another locale. Throws HERALD_ERR_TEMPLATE_NOT_FOUND, _RENDER (data that does not
   * fit the template) or _LIMIT (output over a provider limit); none is retriable.
   */
  render(
    ref: TemplateRef,
    channel: ChannelName,
    locale: string | undefined,
    data: unknown,
    options: RenderOptions,
  ): RenderedContent {
    const def = this.resolve(ref, channel, locale);
    const compiled = this.#compiledFor(def);
    const content = this.#renderer.render(compiled, locale, data, options);
    const violations = this.#violations(channel, content);
    if (violations.length > 0) {
      const more =
        violations.length > 1
          ? `; and ${violations.slice(1).map(describeViolation).join('; ')}`
          : '';
      throw new HeraldError('HERALD_ERR_TEMPLATE_LIMIT', [
        compiled.name,
        channel,
        where(def, locale),
        describeViolation(violations[0]!) + more,
      ]);
    }
    return Object.freeze(content);
  }

  #compiledFor(def: TemplateDefinition): CompiledTemplate {
    const key = `${templateName(def)}|${def.channel}|${def.locale}`;
    let compiled = this.#compiled.get(key);
    if (compiled) {
      // Map order is insertion order: re-inserting keeps the least recently used first.
      this.#compiled.delete(key);
    } else {
      compiled = this.#compile(def);
      if (this.#compiled.size >= this.#cacheSize)
        this.#compiled.delete(this.#compiled.keys().next().value!);
    }
    this.#compiled.set(key, compiled);
    return compiled;
  }

  #compile(def: TemplateDefinition): CompiledTemplate {
    return compileTemplate(this.#env, def, [], {
      eager: false,
      layoutSource: (name) => this.#find(this.#layouts, name, def.locale)?.value.source,
    });
  }

  #violations(channel: ChannelName, content: Readonly<Record<string, unknown>>): LimitViolation[] {
    const checker = new LimitChecker(this.#limits);
    channelSpecs[channel].check(content, checker);
    return checker.violations;
  }

  #find<T>(from: Map<string, T>, name: string, locale: string): Located<T> | undefined {
    for (const candidate of localeChain(locale, this.#fallbackLocale)) {
      const value = from.get(`${name}|${candidate}`);
      if (value) return { locale: candidate, value };
    }
    return undefined;
  }

  /** The partials a template in `locale` sees, compiled for one escape mode; cached. */
  #partialSet(locale: string, mode: EscapeMode): Readonly<Record<string, CompiledPart>> {
    const key = `${locale}|${mode}`;
    let set = this.#partialSets.get(key);
    if (!set) {
      const names = new Set([...this.#partials.values()].map((p) => p.name));
      const compiled: Record<string, CompiledPart> = {};
      for (const name of names) {
        const found = this.#find(this.#partials, name, locale);
        if (found) compiled[name] = this.#env.compile(found.value.source, mode);
      }
      this.#partialSets.set(key, (set = compiled));
    }
    return set;
  }
}
