import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import { HeraldError } from '@herald/core';

/** migrations/ at the repository root (or beside the package in an image). */
export const defaultMigrationsDir = fileURLToPath(new URL('../../../migrations', import.meta.url));

const FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;

/** Reads forward-only, numbered SQL files: `0001_status_events.sql`, `0002_...`. */
class SqlFileMigrationProvider implements MigrationProvider {
  constructor(readonly dir: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(this.dir)).filter((f) => f.endsWith('.sql')).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      if (!FILE.test(file)) {
        throw new HeraldError('HERALD_ERR_STORE_MIGRATION', [
          file,
          'name must be NNNN_lower_snake_case.sql',
        ]);
      }
      const text = await readFile(join(this.dir, file), 'utf8');
      migrations[file.replace(/\.sql$/, '')] = {
        up: async (db) => void (await sql.raw(text).execute(db)),
      };
    }
    return migrations;
  }
}

/**
 * Applies every pending migration, each in its own transaction, under kysely's
 * migration lock (safe when several replicas start at once). Returns the names applied.
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  dir = defaultMigrationsDir,
): Promise<string[]> {
  const migrator = new Migrator({
    db: db as Kysely<unknown>,
    provider: new SqlFileMigrationProvider(dir),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName ?? '(listing)';
    throw new HeraldError(
      'HERALD_ERR_STORE_MIGRATION',
      [failed, (error as Error).message ?? String(error)],
      { cause: error },
    );
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
