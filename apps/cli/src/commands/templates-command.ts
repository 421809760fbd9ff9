import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { HeraldError, isChannelName, type ChannelName } from '@herald/core';
import type { TemplateBundle, TemplateChange, TemplateStore } from '@herald/store';
import type { TemplateDefinition, TemplateProblem } from '@herald/templates';
import type { Document } from 'yaml';
import { progressFor } from '../progress.js';
import { actorOf, withDatabase, type CommandContext } from './command-context.js';
import { locateInFile } from './template-positions.js';

async function withStore<T>(
  context: CommandContext,
  body: (store: TemplateStore) => Promise<T>,
  /** Sees every validated template and its problems (all of them, not only the first). */
  onProblems?: (def: TemplateDefinition, problems: readonly TemplateProblem[]) => void,
): Promise<T> {
  // One after the other: jest's ESM loader fails on two concurrent imports sharing modules.
  const { migrateToLatest } = await import('@herald/store');
  const { templateStore } = await import('@herald/operations');
  return withDatabase(context, async (db) => {
    await migrateToLatest(db);
    return body(templateStore(db, onProblems));
  });
}

function invalid(file: string, where: string, message: string): HeraldError {
  return new HeraldError('HERALD_ERR_TEMPLATE_INVALID', [file, '-', '-', `${where}: ${message}`]);
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a templates file (docs/templates.md, "Templates files"): `templates`, and
 * optionally `partials` and `layouts`. Structure errors name the entry and its line.
 */
export async function readTemplatesFile(file: string): Promise<TemplateBundle> {
  return (await parseTemplatesFile(file)).bundle;
}

async function parseTemplatesFile(
  file: string,
): Promise<{ bundle: TemplateBundle; doc: Document; text: string }> {
  const text = await readFile(file, 'utf8');
  const { parseDocument } = await import('yaml');
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw invalid(file, `line ${e.linePos?.[0].line ?? '?'}`, e.message);
  }
  const lineOf = (path: (string | number)[]): string => {
    const node = doc.getIn(path, true) as { range?: [number] } | undefined;
    const offset = node?.range?.[0];
    return offset === undefined
      ? path.join('.')
      : `${path.join('.')} (line ${text.slice(0, offset).split('\n').length})`;
  };
  const root = doc.toJS() as unknown;
  if (!isRecord(root)) throw invalid(file, '(root)', 'expected a mapping with "templates"');
  for (const k of Object.keys(root))
    if (!['templates', 'partials', 'layouts'].includes(k))
      throw invalid(file, lineOf([k]), 'unknown key; expected templates, partials or layouts');
  const list = (name: string): unknown[] => {
    const v = root[name];
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw invalid(file, lineOf([name]), 'expected a list');
    return v;
  };
  const fragments = (name: 'partials' | 'layouts') =>
    list(name).map((f, i) => {
      if (!isRecord(f) || typeof f.name !== 'string' || typeof f.source !== 'string')
        throw invalid(file, lineOf([name, i]), 'expected { name, source, locale? }');
      return {
        name: f.name,
        source: f.source,
        ...(typeof f.locale === 'string' ? { locale: f.locale } : {}),
      };
    });
  const templates = list('templates').map((t, i) => {
    const at = lineOf(['templates', i]);
    if (!isRecord(t)) throw invalid(file, at, 'expected { id, channel, locale, parts, sample? }');
    for (const k of Object.keys(t))
      if (!['id', 'channel', 'locale', 'parts', 'sample'].includes(k))
        throw invalid(file, lineOf(['templates', i, k]), `unknown key "${k}"`);
    if (typeof t.id !== 'string') throw invalid(file, at, '"id" is required');
    if (!isChannelName(t.channel))
      throw invalid(
        file,
        at,
        `"channel" must be a channel name, received ${JSON.stringify(t.channel)}`,
      );
    if (!isRecord(t.parts)) throw invalid(file, at, '"parts" is required');
    return {
      id: t.id,
      channel: t.channel,
      locale: typeof t.locale === 'string' ? t.locale : 'default',
      parts: t.parts,
      ...(t.sample === undefined ? {} : { sampleData: t.sample }),
    };
  });
  return {
    bundle: { templates, partials: fragments('partials'), layouts: fragments('layouts') },
    doc,
    text,
  };
}

function changeLine(c: TemplateChange): string {
  const mark = c.action === 'created' ? '+' : c.action === 'updated' ? '~' : '=';
  const what =
    c.kind === 'template'
      ? `${c.name} ${c.channel} ${c.locale}`
      : `${c.kind} ${c.name} ${c.locale}`;
  const version =
    c.action === 'updated' ? `v${c.previousVersion} → v${c.version}` : `v${c.version}`;
  return `  ${mark} ${what}  ${version} (${c.action})`;
}

async function applyTemplates(context: CommandContext, file: string, dryRun: boolean) {
  const { bundle, doc, text } = await parseTemplatesFile(file);
  const out = context.out;
  const progress = progressFor(context, `validating ${bundle.templates.length} template(s)`);
  const found: string[] = [];
  let checked = 0;
  const onProblems = (def: TemplateDefinition, problems: readonly TemplateProblem[]) => {
    const index = bundle.templates.findIndex(
      (t) => t.id === def.id && t.channel === def.channel && t.locale === def.locale,
    );
    for (const p of problems) {
      const at = index < 0 ? undefined : locateInFile(doc, text, index, p.part, p.line, p.column);
      // A stored template the file does not hold (broken by a changed partial) has no file position.
      const where =
        at === undefined
          ? `stored ${def.id}@${def.version}${p.line === undefined ? '' : ` line ${p.line}`}`
          : `${file}:${at.line}:${at.column}`;
      found.push(
        `  ${where} ${def.id} (channel ${def.channel}, locale ${def.locale})${p.part ? ` ${p.part}` : ''}: ${p.message}`,
      );
    }
  };
  await withStore(
    context,
    async (store) => {
      const result = await store
        .apply(bundle, { actor: actorOf(context), dryRun })
        .catch((err: unknown) => {
          if (found.length === 0) throw err;
          // Every broken template, each at its line:column in the file (the store's message
          // names the first template only, with lines counted inside each part).
          throw new HeraldError('HERALD_ERR_TEMPLATE_INVALID', [
            file,
            '-',
            '-',
            `${found.length} problem(s), nothing saved:\n${found.join('\n')}`,
          ]);
        })
        .finally(() => progress.end());
      out.write(
        `${file}: ${bundle.templates.length} template(s), ${bundle.partials?.length ?? 0} partial(s), ${bundle.layouts?.length ?? 0} layout(s) valid\n`,
      );
      out.write(`${result.changes.map(changeLine).join('\n')}\n`);
      const changed = result.changes.filter((c) => c.action !== 'unchanged').length;
      if (dryRun) out.write(`dry run: nothing applied (${changed} change(s) would be saved)\n`);
      else if (!result.applied) out.write(`unchanged: revision ${result.revision}\n`);
      else out.write(`applied ${changed} change(s) as revision ${result.revision}\n`);
    },
    (def, problems) => {
      progress.update(++checked, bundle.templates.length);
      onProblems(def, problems);
    },
  );
}

interface RenderFlags {
  readonly channel: string;
  readonly locale?: string;
  readonly data?: string;
  readonly timezone?: string;
  readonly file?: string;
  readonly now?: string;
}

async function renderTemplate(context: CommandContext, ref: string, flags: RenderFlags) {
  if (!isChannelName(flags.channel))
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', [
      `--channel: unknown channel "${flags.channel}"`,
    ]);
  const channel: ChannelName = flags.channel;
  const data: unknown =
    flags.data === undefined ? {} : JSON.parse(await readFile(flags.data, 'utf8'));
  const set =
    flags.file === undefined
      ? await withStore(context, (store) => store.load())
      : await readTemplatesFile(flags.file).then((b) => ({
          templates: b.templates.map((t) => ({ ...t, version: 1 })),
          partials: b.partials ?? [],
          layouts: b.layouts ?? [],
        }));
  const { renderTemplate: render } = await import('@herald/operations');
  const rendered = render(set, ref, channel, {
    locale: flags.locale,
    data,
    now: flags.now === undefined ? new Date() : new Date(flags.now),
    timezone: flags.timezone,
  });
  context.out.write(
    `# ${rendered.id}@${rendered.version} (channel ${channel}, locale ${rendered.locale})\n`,
  );
  context.out.write(`${JSON.stringify(rendered.content, null, 2)}\n`);
}

/** `herald templates rollback <id> --version N`: the operation POST /v1/templates/{id}/rollback runs. */
async function rollbackTemplate(
  context: CommandContext,
  id: string,
  flags: { version: string; dryRun?: boolean },
): Promise<void> {
  const version = Number(flags.version);
  if (!Number.isInteger(version) || version < 1)
    throw new HeraldError('HERALD_ERR_TEMPLATE_VERSION_NOT_FOUND', [id, flags.version]);
  const { migrateToLatest } = await import('@herald/store');
  const { rollbackTemplate: rollback } = await import('@herald/operations');
  await withDatabase(context, async (db) => {
    await migrateToLatest(db);
    const result = await rollback(db, {
      id,
      version,
      actor: actorOf(context),
      dryRun: flags.dryRun === true,
    });
    for (const c of result.changes) context.out.write(`${changeLine(c)}\n`);
    const changed = result.changes.filter((c) => c.action !== 'unchanged').length;
    context.out.write(
      flags.dryRun
        ? `dry run: nothing applied (${changed} change(s) would be saved)\n`
        : result.applied
          ? `rolled back ${id} to version ${version} as revision ${result.revision}\n`
          : `unchanged: ${id} already is as at version ${version}\n`,
    );
  });
}

/** `herald templates apply | render | list | rollback`. */
export function registerTemplatesCommand(program: Command, context: CommandContext): void {
  const templates = program
    .command('templates')
    .description('templates stored and versioned in Postgres');
  templates
    .command('apply')
    .description(
      'validate every template of a file and save the changed ones as new versions, atomically',
    )
    .requiredOption('-f, --file <templates.yaml>', 'templates file (docs/templates.md)')
    .option('--dry-run', 'validate and show what would change, save nothing')
    .action((flags: { file: string; dryRun?: boolean }) =>
      applyTemplates(context, flags.file, flags.dryRun === true),
    );
  templates
    .command('render <ref>')
    .description('render a template (id or id@version) with data, as a worker would')
    .requiredOption('--channel <channel>', 'channel of the template')
    .option('--locale <locale>', 'recipient locale, e.g. fr-CA')
    .option('--data <data.json>', 'template data (the event data)')
    .option('--timezone <zone>', 'recipient time zone, e.g. Europe/Paris (default UTC)')
    .option('-f, --file <templates.yaml>', 'render from a file instead of the database')
    .option('--now <iso>', 'the send time (default: now)')
    .action((ref: string, flags: RenderFlags) => renderTemplate(context, ref, flags));
  templates
    .command('rollback <id>')
    .description('save a template as it was at an old version, as a new version')
    .requiredOption('--version <n>', 'the version to go back to')
    .option('--dry-run', 'validate and show what would change, save nothing')
    .action((id: string, flags: { version: string; dryRun?: boolean }) =>
      rollbackTemplate(context, id, flags),
    );
  templates
    .command('list')
    .description('the latest version of every template')
    .action(() =>
      withStore(context, async (store) => {
        const rows = await store.list();
        if (rows.length === 0) context.out.write('no templates\n');
        for (const r of rows)
          context.out.write(
            `${r.id}  ${r.channel}  ${r.locale}  v${r.version} (${r.versions} version${r.versions > 1 ? 's' : ''})  ${r.updatedBy}  ${r.updatedAt.toISOString()}\n`,
          );
      }),
    );
}
