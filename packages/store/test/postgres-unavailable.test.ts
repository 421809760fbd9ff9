/**
 * isPostgresUnavailable on the errors a real Postgres client produces: a server that is
 * not there and a connection the server ended count as unavailable; a statement the
 * server refused does not (that is a bug or bad data, not an outage).
 */
import { sql, type Kysely } from 'kysely';
import { silentLogger } from '@herald/core';
import { createDatabase, isPostgresUnavailable, type HeraldDatabase } from '@herald/store';
import { freePort, stackEnv } from '@herald/testkit';
import { migratedDatabase } from './migrated-database.js';

let db: Kysely<HeraldDatabase>;
migratedDatabase((created) => {
  db = created;
});

const failure = async (run: () => Promise<unknown>): Promise<unknown> =>
  run().then(
    () => {
      throw new Error('expected the statement to fail');
    },
    (err: unknown) => err,
  );

it('a server that is not listening is unavailable', async () => {
  const away = createDatabase({
    url: `postgres://herald:herald@127.0.0.1:${await freePort()}/herald`,
    poolSize: 1,
    logger: silentLogger,
  });
  try {
    const err = await failure(() => sql`select 1`.execute(away));
    expect(isPostgresUnavailable(err)).toBe(true);
  } finally {
    await away.destroy();
  }
});

it('a connection the server terminated is unavailable', async () => {
  const victim = createDatabase({
    url: stackEnv().DATABASE_URL,
    poolSize: 1,
    logger: silentLogger,
  });
  try {
    // One connection held throughout: the statement after the termination must use it.
    const err = await victim.connection().execute(async (conn) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn);
      // With a timeout, pg_terminate_backend waits until the backend is gone (PostgreSQL 14+).
      await sql`select pg_terminate_backend(${rows[0]!.pid}, 5000)`.execute(db);
      return failure(() => sql`select 1`.execute(conn));
    });
    expect(isPostgresUnavailable(err)).toBe(true);
  } finally {
    await victim.destroy();
  }
});

it('a statement the server refused is not', async () => {
  const missing = await failure(() => sql`select * from no_such_table`.execute(db));
  expect((missing as { code?: string }).code).toBe('42P01');
  expect(isPostgresUnavailable(missing)).toBe(false);
  const bad = await failure(() => sql`select 1 / 0`.execute(db));
  expect(isPostgresUnavailable(bad)).toBe(false);
  expect(isPostgresUnavailable(new Error('boom'))).toBe(false);
  expect(isPostgresUnavailable(undefined)).toBe(false);
});
