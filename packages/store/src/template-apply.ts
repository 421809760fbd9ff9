import type { Transaction } from 'kysely';
import { HeraldError, type ChannelName } from '@herald/core';
import { canonicalJson, sha256 } from './config-versions.js';
import {
  currentRevision,
  fragmentsOf,
  key,
  latestFragmentRows,
  type TemplateDatabase,
} from './template-rows.js';
import type {
  StoredTemplate,
  TemplateApplyResult,
  TemplateBundle,
  TemplateChange,
  TemplateValidationProblem,
  TemplateValidator,
} from './template-types.js';

const checksum = (value: unknown) => sha256(canonicalJson(value));
const fragmentLocale = (locale: string | undefined) => locale ?? 'default';

/**
 * One apply inside the caller's locked transaction (`applyLocked`): the bundle's
 * partials and layouts over the stored ones, then its templates, each validated against
 * the fragments it will be used with (and stored templates re-checked when a fragment
 * changed). Any problem throws HERALD_ERR_TEMPLATE_INVALID naming all of them; else a
 * new version of each changed definition is written under one new revision.
 */
export async function applyTemplates(
  tx: Transaction<TemplateDatabase>,
  bundle: TemplateBundle,
  options: {
    readonly actor: string;
    readonly dryRun: boolean;
    readonly validate: TemplateValidator | undefined;
  },
): Promise<TemplateApplyResult> {
  const { actor, dryRun, validate } = options;
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
    problems.push(...(validate?.(definition, t.sampleData ?? {}, context) ?? []));
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
  if (fragmentWrites.length > 0 && validate !== undefined) {
    for (const [k, r] of latest) {
      if (inBundle.has(k)) continue;
      const definition: StoredTemplate = {
        id: r.id,
        version: r.version,
        channel: r.channel as ChannelName,
        locale: r.locale,
        parts: r.parts,
      };
      problems.push(...validate(definition, r.sample_data ?? {}, context));
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
