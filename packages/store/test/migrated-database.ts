import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { silentLogger } from '@herald/core';
import { createTestDatabase, stackEnv, type TestDatabase } from '@herald/testkit';
import {
  createDatabase,
  defaultMigrationsDir,
  migrateToLatest,
  type HeraldDatabase,
} from '@herald/store';

/**
 * A database of its own for one test file, migrated to the latest schema before the
 * file's tests and dropped after them. `ready` receives it once it exists (to build
 * the store under test).
 */
export function migratedDatabase(ready: (db: Kysely<HeraldDatabase>) => void): void {
  let testDb: TestDatabase | undefined;
  let db: Kysely<HeraldDatabase> | undefined;
  beforeAll(async () => {
    testDb = await createTestDatabase(stackEnv().DATABASE_URL);
    db = createDatabase({ url: testDb.url, poolSize: 4, logger: silentLogger });
    await migrateToLatest(db);
    ready(db);
  });
  afterAll(async () => {
    await db?.destroy();
    await testDb?.drop();
  });
}

/**
 * A database of its own migrated up to, not including, the migration numbered
 * `firstPending` (e.g. '0019'), for a test of that migration on rows written before it
 * (`migrateToLatest(db)` then applies it and what follows). Dropped once `use` is done.
 */
export async function withDatabaseBefore(
  firstPending: string,
  use: (db: Kysely<HeraldDatabase>) => Promise<void>,
): Promise<void> {
  const testDb = await createTestDatabase(stackEnv().DATABASE_URL);
  const db = createDatabase({ url: testDb.url, poolSize: 2, logger: silentLogger });
  const before = await mkdtemp(join(tmpdir(), `herald-before-${firstPending}-`));
  try {
    for (const file of await readdir(defaultMigrationsDir))
      if (file.endsWith('.sql') && file < firstPending)
        await symlink(join(defaultMigrationsDir, file), join(before, file));
    await migrateToLatest(db, before);
    await use(db);
  } finally {
    await rm(before, { recursive: true, force: true });
    await db.destroy();
    await testDb.drop();
  }
}
