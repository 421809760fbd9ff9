import type { Kysely } from 'kysely';
import type { ChannelName } from '@herald/core';
import { TemplateStore, type HeraldDatabase, type TemplateSnapshot } from '@herald/store';
import {
  buildTemplateRegistry,
  validateTemplate,
  type TemplateDefinition,
  type TemplateProblem,
} from '@herald/templates';

/**
 * The template store with the templates package's validator: what `herald templates`
 * and the API save through. `onProblems` sees every validated template's problems
 * (all of them, so a caller can place each in its own file or request).
 */
export function templateStore(
  db: Kysely<HeraldDatabase>,
  onProblems?: (def: TemplateDefinition, problems: readonly TemplateProblem[]) => void,
): TemplateStore {
  return new TemplateStore(db, {
    validate: (def, sample, ctx) => {
      const problems = validateTemplate(def as TemplateDefinition, sample, ctx);
      onProblems?.(def as TemplateDefinition, problems);
      return problems;
    },
  });
}

/**
 * Renders a template (`id` or `id@version`) from a set of templates, partials and layouts
 * the way a worker does: `herald templates render` and `POST /v1/templates/{id}/render`.
 * Throws HERALD_ERR_TEMPLATE_NOT_FOUND, _RENDER or _LIMIT.
 */
export function renderTemplate(
  set: Pick<TemplateSnapshot, 'templates' | 'partials' | 'layouts'>,
  ref: string,
  channel: ChannelName,
  options: {
    readonly locale?: string | undefined;
    readonly data: unknown;
    readonly now: Date;
    readonly timezone?: string | undefined;
  },
): { id: string; version: number; locale: string; content: unknown } {
  const registry = buildTemplateRegistry(set);
  const def = registry.resolve(ref, channel, options.locale);
  const content = registry.render(ref, channel, options.locale, options.data, {
    now: options.now,
    ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
  });
  return { id: def.id, version: def.version, locale: def.locale, content };
}
