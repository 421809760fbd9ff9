import type { Kysely } from 'kysely';
import { HeraldError, type ChannelName } from '@herald/core';
import {
  recordConfigChange,
  TemplateStore,
  type AuditActor,
  type HeraldDatabase,
  type TemplateApplyResult,
  type TemplateSnapshot,
} from '@herald/store';
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

/**
 * Saves template `id` as it was at `version` (each channel and locale that had that
 * version, with its sample data) as a new version, like a rules rollback: history only
 * grows. Validated against today's partials and layouts; recorded in config_audit_log
 * (with the API key when `by` is given). `herald templates rollback` and
 * `POST /v1/templates/{id}/rollback`. Throws HERALD_ERR_TEMPLATE_VERSION_NOT_FOUND.
 */
export async function rollbackTemplate(
  db: Kysely<HeraldDatabase>,
  input: {
    readonly id: string;
    readonly version: number;
    readonly actor: string;
    readonly by?: AuditActor | undefined;
    readonly dryRun?: boolean | undefined;
  },
): Promise<TemplateApplyResult & { rollbackOf: number }> {
  const variants = await new TemplateStore(db).variantsAt(input.id, input.version);
  if (variants.length === 0)
    throw new HeraldError('HERALD_ERR_TEMPLATE_VERSION_NOT_FOUND', [input.id, input.version]);
  const result = await templateStore(db).apply(
    { templates: variants },
    { actor: input.actor, dryRun: input.dryRun === true },
  );
  if (result.applied)
    await recordConfigChange(db, {
      actor: input.actor,
      ...(input.by === undefined ? {} : { by: input.by }),
      action: 'templates.rollback',
      entityType: 'template',
      entityId: input.id,
      details: { rollbackOf: input.version, revision: result.revision, changes: result.changes },
    });
  return { ...result, rollbackOf: input.version };
}
