import { createHash } from 'node:crypto';
import { sql, type ColumnType, type Generated, type Kysely, type Transaction } from 'kysely';
import { HeraldError, type ChannelName } from '@herald/core';
import type { HeraldDatabase } from './database.js';

/** Tables of migrations/0003. */
export type TemplateTables = {
  template_applies: {
    revision: Generated<string>;
    applied_by: string;
    applied_at: Generated<Date>;
    summary: ColumnType<unknown, string, string>;
  };
  template_versions: {
    id: string;
    channel: string;
    locale: string;
    version: number;
    parts: ColumnType<unknown, string, string>;
    sample_data: ColumnType<unknown, string | null, string | null>;
    checksum: string;
    revision: string;
    created_by: string;
    created_at: Generated<Date>;
  };
  template_fragments: {
    kind: 'partial' | 'layout';
    name: string;
    locale: string;
    version: number;
    source: string;
    checksum: string;
    revision: string;
    created_by: string;
    created_at: Generated<Date>;
  };
};

/** One template of a file being applied (no version: the store assigns it). */
export interface TemplateInput {
  readonly id: string;
  readonly channel: ChannelName;
  readonly locale: string;
  readonly parts: unknown;
  /** Rendered when saved, and kept to re-check the template when a partial or layout changes. */
  readonly sampleData?: unknown;
}

export interface FragmentInput {
  readonly name: string;
  /** `default` when absent. */
  readonly locale?: string;
  readonly source: string;
}

export interface TemplateBundle {
  readonly templates: readonly TemplateInput[];
  readonly partials?: readonly FragmentInput[];
  readonly layouts?: readonly FragmentInput[];
}

/** A stored template version, shaped as `@herald/templates` takes it. */
export interface StoredTemplate {
  readonly id: string;
  readonly version: number;
  readonly channel: ChannelName;
  readonly locale: string;
  readonly parts: unknown;
}

/** What `load()` returns: every template version, the latest partials and layouts, and the revision. */
export interface TemplateSnapshot {
  readonly revision: string;
  readonly templates: readonly StoredTemplate[];
  readonly partials: readonly { name: string; locale?: string; source: string }[];
  readonly layouts: readonly { name: string; locale?: string; source: string }[];
}

/** A problem the validator found; `@herald/templates`' `TemplateProblem` has this shape. */
export interface TemplateValidationProblem {
  readonly template: string;
  readonly channel: string;
  readonly locale: string;
  readonly part?: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

/**
 * Validates one definition as it will be saved (the store depends on core only):
 * wire `validateTemplate` from `@herald/templates`, e.g.
 * `(def, sample, ctx) => validateTemplate(def, sample, ctx)`.
 */
export type TemplateValidator = (
  definition: StoredTemplate,
  sampleData: unknown,
  context: Pick<TemplateSnapshot, 'partials' | 'layouts'>,
) => readonly TemplateValidationProblem[];

export interface TemplateChange {
  readonly kind: 'template' | 'partial' | 'layout';
  /** Template id, or partial / layout name. */
  readonly name: string;
  /** Templates only. */
  readonly channel?: ChannelName;
  readonly locale: string;
  readonly action: 'created' | 'updated' | 'unchanged';
  /** The version in use after the apply. */
  readonly version: number;
  readonly previousVersion?: number;
}

export interface TemplateApplyResult {
  /** False for a dry run or when nothing changed. */
  readonly applied: boolean;
  /** The revision after the apply (unchanged when nothing was written). */
  readonly revision: string;
  readonly changes: readonly TemplateChange[];
}

export interface TemplateSummary {
  readonly id: string;
  readonly channel: ChannelName;
  readonly locale: string;
  readonly version: number;
  readonly versions: number;
  readonly updatedAt: Date;
  readonly updatedBy: string;
}

const LOCK = 'herald.templates';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const checksum = (value: unknown) => createHash('sha256').update(canonical(value)).digest('hex');
const fragmentLocale = (locale: string | undefined) => locale ?? 'default';
const key = (...parts: string[]) => parts.join('\u0000');

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
  readonly #db: Kysely<HeraldDatabase & TemplateTables>;
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
   * Validates and saves a bundle atomically. Throws HERALD_ERR_TEMPLATE_INVALID with
   * every problem when any definition is refused; nothing is saved then.
   */
  async apply(
    bundle: TemplateBundle,
    options: { readonly actor: string; readonly dryRun?: boolean },
  ): Promise<TemplateApplyResult> {
    const rollback = Symbol('dry run');
    let result: TemplateApplyResult | undefined;
    try {
      await this.#db.transaction().execute(async (tx) => {
        result = await this.#applyIn(tx, bundle, options.actor, options.dryRun === true);
        if (!result.applied) throw rollback;
      });
    } catch (err) {
      if (err !== rollback) throw err;
    }
    return result!;
  }

  async #applyIn(
    tx: Transaction<HeraldDatabase & TemplateTables>,
    bundle: TemplateBundle,
    actor: string,
    dryRun: boolean,
  ): Promise<TemplateApplyResult> {
    await sql`select pg_advisory_xact_lock(hashtext(${LOCK}))`.execute(tx);
    const revision = await currentRevision(tx);
    const changes: TemplateChange[] = [];

    // Partials and layouts: the file's over the stored ones.
    const stored = await latestFragmentRows(tx);
    const fragments = new Map(stored.map((f) => [key(f.kind, f.name, f.locale), f]));
    const fragmentWrites: (typeof stored)[number][] = [];
    for (const [kind, list] of [
      ['partial', bundle.partials ?? []],
      ['layout', bundle.layouts ?? []],
    ] as const) {
      for (const f of list) {
        const locale = fragmentLocale(f.locale);
        const previous = fragments.get(key(kind, f.name, locale));
        const sum = checksum(f.source);
        const version =
          previous === undefined ? 1 : previous.version + (previous.checksum === sum ? 0 : 1);
        const action =
          previous === undefined ? 'created' : previous.checksum === sum ? 'unchanged' : 'updated';
        changes.push({
          kind,
          name: f.name,
          locale,
          action,
          version,
          ...(previous === undefined ? {} : { previousVersion: previous.version }),
        });
        if (action === 'unchanged') continue;
        const row = { kind, name: f.name, locale, version, source: f.source, checksum: sum };
        fragments.set(key(kind, f.name, locale), row);
        fragmentWrites.push(row);
      }
    }
    const context = {
      partials: fragmentsOf([...fragments.values()], 'partial'),
      layouts: fragmentsOf([...fragments.values()], 'layout'),
    };

    // Templates: a new version when the parts changed.
    const latest = new Map(
      (
        await tx
          .selectFrom('template_versions')
          .distinctOn(['id', 'channel', 'locale'])
          .select(['id', 'channel', 'locale', 'version', 'checksum', 'parts', 'sample_data'])
          .orderBy('id')
          .orderBy('channel')
          .orderBy('locale')
          .orderBy('version', 'desc')
          .execute()
      ).map((r) => [key(r.id, r.channel, r.locale), r]),
    );
    const problems: TemplateValidationProblem[] = [];
    const templateWrites: (StoredTemplate & { checksum: string; sampleData: unknown })[] = [];
    const inBundle = new Set<string>();
    for (const t of bundle.templates) {
      const k = key(t.id, t.channel, t.locale);
      if (inBundle.has(k)) {
        problems.push({
          template: t.id,
          channel: t.channel,
          locale: t.locale,
          message: 'defined twice in the bundle',
        });
        continue;
      }
      inBundle.add(k);
      const previous = latest.get(k);
      const sum = checksum(t.parts);
      const changed = previous === undefined || previous.checksum !== sum;
      const version = previous === undefined ? 1 : previous.version + (changed ? 1 : 0);
      const definition: StoredTemplate = {
        id: t.id,
        version,
        channel: t.channel,
        locale: t.locale,
        parts: t.parts,
      };
      problems.push(...(this.#validate?.(definition, t.sampleData ?? {}, context) ?? []));
      changes.push({
        kind: 'template',
        name: t.id,
        channel: t.channel,
        locale: t.locale,
        action: previous === undefined ? 'created' : changed ? 'updated' : 'unchanged',
        version,
        ...(previous === undefined ? {} : { previousVersion: previous.version }),
      });
      if (changed) templateWrites.push({ ...definition, checksum: sum, sampleData: t.sampleData });
    }
    // A changed partial or layout must not break a stored template the bundle left alone.
    if (fragmentWrites.length > 0 && this.#validate !== undefined) {
      for (const [k, r] of latest) {
        if (inBundle.has(k)) continue;
        const definition: StoredTemplate = {
          id: r.id,
          version: r.version,
          channel: r.channel as ChannelName,
          locale: r.locale,
          parts: r.parts,
        };
        problems.push(...this.#validate(definition, r.sample_data ?? {}, context));
      }
    }
    if (problems.length > 0) {
      const first = problems[0]!;
      throw new HeraldError('HERALD_ERR_TEMPLATE_INVALID', [
        first.template,
        first.channel,
        first.locale,
        problems.map(describeProblem).join('; '),
      ]);
    }

    const applied = !dryRun && (fragmentWrites.length > 0 || templateWrites.length > 0);
    if (!applied) return { applied: false, revision, changes };
    const summary = changes.filter((c) => c.action !== 'unchanged');
    const { revision: next } = await tx
      .insertInto('template_applies')
      .values({ applied_by: actor, summary: JSON.stringify(summary) })
      .returning('revision')
      .executeTakeFirstOrThrow();
    if (fragmentWrites.length > 0) {
      await tx
        .insertInto('template_fragments')
        .values(fragmentWrites.map((f) => ({ ...f, revision: next, created_by: actor })))
        .execute();
    }
    if (templateWrites.length > 0) {
      await tx
        .insertInto('template_versions')
        .values(
          templateWrites.map((t) => ({
            id: t.id,
            channel: t.channel,
            locale: t.locale,
            version: t.version,
            parts: JSON.stringify(t.parts),
            sample_data: t.sampleData === undefined ? null : JSON.stringify(t.sampleData),
            checksum: t.checksum,
            revision: next,
            created_by: actor,
          })),
        )
        .execute();
    }
    return { applied: true, revision: String(next), changes };
  }
}

async function currentRevision(db: Kysely<HeraldDatabase & TemplateTables>): Promise<string> {
  const row = await db
    .selectFrom('template_applies')
    .select((eb) => eb.fn.max('revision').as('revision'))
    .executeTakeFirst();
  return String(row?.revision ?? '0');
}

function describeProblem(p: TemplateValidationProblem): string {
  const at = [
    p.part,
    p.line === undefined ? undefined : `line ${p.line}`,
    p.column === undefined ? undefined : `column ${p.column}`,
  ]
    .filter((x) => x !== undefined)
    .join(', ');
  return `${p.template} (channel ${p.channel}, locale ${p.locale})${at ? ` ${at}` : ''}: ${p.message}`;
}

async function latestFragmentRows(tx: Kysely<HeraldDatabase & TemplateTables>) {
  return tx
    .selectFrom('template_fragments')
    .distinctOn(['kind', 'name', 'locale'])
    .select(['kind', 'name', 'locale', 'version', 'source', 'checksum'])
    .orderBy('kind')
    .orderBy('name')
    .orderBy('locale')
    .orderBy('version', 'desc')
    .execute();
}

function fragmentsOf(
  rows: readonly { kind: string; name: string; locale: string; source: string }[],
  kind: 'partial' | 'layout',
) {
  return rows
    .filter((r) => r.kind === kind)
    .map((r) => ({
      name: r.name,
      ...(r.locale === 'default' ? {} : { locale: r.locale }),
      source: r.source,
    }));
}

async function latestFragments(tx: Kysely<HeraldDatabase & TemplateTables>) {
  const rows = await latestFragmentRows(tx);
  return { partials: fragmentsOf(rows, 'partial'), layouts: fragmentsOf(rows, 'layout') };
}
