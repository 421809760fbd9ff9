import { HeraldError } from '@herald/core';
import { channelSpecs } from './channels/channel-specs.js';
import { handlebarsMessage, type CompiledTemplate } from './compiled-template.js';
import type { EscapeMode } from './escape/escape-mode.js';
import { canonicalLocale, DEFAULT_LOCALE } from './locale/locale-chain.js';
import { renderRun, type LeafScope } from './structured/structured-template.js';
import type { TemplateDefinition } from './template-definition.js';
import { TemplateRenderError } from './template-render-error.js';
import type { RenderOptions } from './template-registry-options.js';
import type { CompiledPart, TemplateEnvironment } from './template-environment.js';

/** The partials a template in `locale` sees, compiled for one escape mode. */
export type PartialSet = (
  locale: string,
  mode: EscapeMode,
) => Readonly<Record<string, CompiledPart>>;

/**
 * Runs a compiled template on a recipient's data: its parts, then its email layout
 * around the HTML, then the channel's finishing step. Dates, numbers and plurals
 * follow the recipient's locale and time zone; every failure names the part.
 */
export class CompiledRenderer {
  readonly #env: TemplateEnvironment;
  readonly #fallbackLocale: string;
  readonly #partialSet: PartialSet;
  readonly #validZones = new Map<string, boolean>();

  constructor(env: TemplateEnvironment, fallbackLocale: string, partialSet: PartialSet) {
    this.#env = env;
    this.#fallbackLocale = fallbackLocale;
    this.#partialSet = partialSet;
  }

  render(
    compiled: CompiledTemplate,
    locale: string | undefined,
    data: unknown,
    options: RenderOptions,
  ): Record<string, unknown> {
    const def = compiled.definition;
    const timezone = options.timezone ?? 'UTC';
    if (!this.#isTimeZone(timezone)) {
      throw new HeraldError('HERALD_ERR_TEMPLATE_RENDER', [
        compiled.name,
        def.channel,
        where(def, locale),
        `timezone ${JSON.stringify(timezone)} is not an IANA time zone such as "Europe/Paris"`,
      ]);
    }
    const requested = canonicalLocale(locale);
    const intlLocale =
      requested === undefined || requested === DEFAULT_LOCALE ? this.#fallbackLocale : requested;
    const frame = { root: data, locale: intlLocale, timezone, now: options.now };
    const scope: LeafScope = {
      context: data,
      data: frame,
      run: renderRun((mode) => this.#partialSet(def.locale, mode)),
    };
    const rendered: Record<string, unknown> = {};
    for (const part of compiled.parts) {
      try {
        rendered[part.name] = part.render(scope);
      } catch (err) {
        throw new TemplateRenderError(
          part.name,
          [
            compiled.name,
            def.channel,
            where(def, locale),
            `part ${part.name}: ${handlebarsMessage(err)}`,
          ],
          err,
        );
      }
    }
    if (compiled.layout !== undefined && typeof rendered.html === 'string') {
      if (!compiled.renderLayout) {
        throw new TemplateRenderError('layout', [
          compiled.name,
          def.channel,
          where(def, locale),
          `layout "${compiled.layout}" is not defined`,
        ]);
      }
      try {
        const context = {
          ...(data as Record<string, unknown>),
          body: this.#env.safe(rendered.html),
        };
        rendered.html = compiled.renderLayout({ context, data: frame, run: scope.run });
      } catch (err) {
        throw new TemplateRenderError(
          'layout',
          [
            compiled.name,
            def.channel,
            where(def, locale),
            `layout ${compiled.layout}: ${handlebarsMessage(err)}`,
          ],
          err,
        );
      }
    }
    return channelSpecs[def.channel].finish(rendered, data);
  }

  #isTimeZone(zone: string): boolean {
    let valid = this.#validZones.get(zone);
    if (valid === undefined) {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        valid = true;
      } catch {
        valid = false;
      }
      if (this.#validZones.size > 1000) this.#validZones.clear();
      this.#validZones.set(zone, valid);
    }
    return valid;
  }
}

/** The locale a message names: the template's, and the one asked for when they differ. */
export function where(def: TemplateDefinition, requested: string | undefined): string {
  return requested === undefined || requested === def.locale
    ? def.locale
    : `${def.locale}, asked for ${requested}`;
}
