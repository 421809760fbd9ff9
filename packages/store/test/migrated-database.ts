import type { Kysely } from 'kysely';
import { silentLogger } from '@herald/core';
import { createTestDatabase, stackEnv, type TestDatabase } from '@herald/testkit';
import { createDatabase, migrateToLatest, type HeraldDatabase } from '@herald/store';

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
