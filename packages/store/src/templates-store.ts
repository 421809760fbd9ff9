import { sql, type Kysely } from 'kysely';
import type { ChannelName } from '@herald/core';
import { applyLocked } from './config-versions.js';
import type { HeraldDatabase } from './database.js';
import { applyTemplates } from './template-apply.js';
import { currentRevision, key, latestFragments, type TemplateDatabase } from './template-rows.js';
import type {
  TemplateApplyResult,
  TemplateBundle,
  TemplateInput,
  TemplateSnapshot,
  TemplateSummary,
  TemplateTables,
  TemplateValidator,
} from './template-types.js';

const LOCK = 'herald.templates';

/**
 * Templates, partials and layouts in Postgres with full history (migrations/0003).
 * `apply` validates every template of a bundle against the partials and layouts it
 * will be used with (and re-checks stored templates when a partial or layout
 * changes), then, in one transaction serialised by an advisory lock, saves a new
 * version of each definition whose content changed. A refusal saves nothing and
 * names the template, channel, locale, part and line. Workers `load()` everything
 * and poll `revision()` (implements the `TemplateSource` port of `@herald/templates`).
 *
 * @example
 * const store = new TemplateStore(db, { validate: (d, s, c) => validateTemplate(d, s, c) });
 * const { changes } = await store.apply(bundle, { actor: 'ci' });
 * const registry = buildTemplateRegistry(await store.load());
 */
export class TemplateStore {
  readonly #db: Kysely<TemplateDatabase>;
  readonly #validate: TemplateValidator | undefined;

  constructor(db: Kysely<HeraldDatabase>, options: { readonly validate?: TemplateValidator } = {}) {
    this.#db = db.withTables<TemplateTables>();
    this.#validate = options.validate;
  }

  /** The latest revision ("0" before the first apply). Cheap: workers poll it. */
  revision(): Promise<string> {
    return currentRevision(this.#db);
  }

  /** Every template version and the latest partials and layouts, at one revision. */
  async load(): Promise<TemplateSnapshot> {
    return this.#db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (tx) => ({
        revision: await currentRevision(tx),
        templates: (
          await tx
            .selectFrom('template_versions')
            .select(['id', 'channel', 'locale', 'version', 'parts'])
            .orderBy('id')
            .orderBy('channel')
            .orderBy('locale')
            .orderBy('version')
            .execute()
        ).map((r) => ({ ...r, channel: r.channel as ChannelName })),
        ...(await latestFragments(tx)),
      }));
  }

  /** The latest version of each template, with how many versions it has. */
  async list(): Promise<TemplateSummary[]> {
    const rows = await this.#db
      .selectFrom('template_versions as t')
      .select(['t.id', 't.channel', 't.locale', 't.version', 't.created_at', 't.created_by'])
      .select(
        sql<number>`count(*) over (partition by t.id, t.channel, t.locale)::int`.as('versions'),
      )
      .orderBy('t.id')
      .orderBy('t.channel')
      .orderBy('t.locale')
      .orderBy('t.version', 'desc')
      .execute();
    const seen = new Set<string>();
    const out: TemplateSummary[] = [];
    for (const r of rows) {
      const k = key(r.id, r.channel, r.locale);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({
        id: r.id,
        channel: r.channel as ChannelName,
        locale: r.locale,
        version: r.version,
        versions: r.versions,
        updatedAt: r.created_at,
        updatedBy: r.created_by,
      });
    }
    return out;
  }

  /**
   * Every channel and locale of template `id` at `version`, with the sample data it was
   * saved with: what a rollback re-applies (empty when no variant has that version).
   */
  async variantsAt(id: string, version: number): Promise<TemplateInput[]> {
    const rows = await this.#db
      .selectFrom('template_versions')
      .select(['id', 'channel', 'locale', 'parts', 'sample_data'])
      .where('id', '=', id)
      .where('version', '=', version)
      .orderBy('channel')
      .orderBy('locale')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      channel: r.channel as ChannelName,
      locale: r.locale,
      parts: r.parts,
      ...(r.sample_data === null ? {} : { sampleData: r.sample_data }),
    }));
  }

  /**
   * Validates and saves a bundle atomically. Throws HERALD_ERR_TEMPLATE_INVALID with
   * every problem when any definition is refused; nothing is saved then.
   */
  apply(
    bundle: TemplateBundle,
    options: { readonly actor: string; readonly dryRun?: boolean },
  ): Promise<TemplateApplyResult> {
    return applyLocked(this.#db, LOCK, (tx) =>
      applyTemplates(tx, bundle, {
        actor: options.actor,
        dryRun: options.dryRun === true,
        validate: this.#validate,
      }),
    );
  }
}
