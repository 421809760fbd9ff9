import type { Kysely } from 'kysely';
import type { HeraldDatabase } from './database.js';
import type { TemplateTables } from './template-types.js';

// The queries and keys both the reads and the apply of `TemplateStore` use.

export type TemplateDatabase = HeraldDatabase & TemplateTables;

export const key = (...parts: string[]) => parts.join('\u0000');

export async function currentRevision(db: Kysely<TemplateDatabase>): Promise<string> {
  const row = await db
    .selectFrom('template_applies')
    .select((eb) => eb.fn.max('revision').as('revision'))
    .executeTakeFirst();
  return String(row?.revision ?? '0');
}

export async function latestFragmentRows(tx: Kysely<TemplateDatabase>) {
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

export function fragmentsOf(
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

export async function latestFragments(tx: Kysely<TemplateDatabase>) {
  const rows = await latestFragmentRows(tx);
  return { partials: fragmentsOf(rows, 'partial'), layouts: fragmentsOf(rows, 'layout') };
}
