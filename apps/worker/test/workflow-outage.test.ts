/**
 * The digest and cancel port with Postgres away: a DependencyError (the pipeline retries
 * the chunk and reports the outage) instead of a plain error, which the pipeline counted
 * as a crash and, after three, dead-lettered as `poison` (issue 18). A refused statement
 * stays a plain error.
 */
import { silentLogger, type DeliveryJob } from '@herald/core';
import { DependencyError } from '@herald/delivery';
import { createDatabase, migrateToLatest } from '@herald/store';
import { createTestDatabase, freePort, stackEnv } from '@herald/testkit';
import { workflowPort } from '../src/workflow.js';

const job: DeliveryJob = {
  notificationId: 'n-1',
  event: { id: 'e-1', source: 's', type: 'cart.abandoned' },
  tenant: 'acme',
  rule: { id: 'r', version: 1 },
  channel: 'email',
  recipient: { ref: 'alice', address: 'alice@example.com' },
  priority: 'normal',
  attempt: 1,
  payload: {},
  plannedAt: '2026-11-20T08:00:00.000Z',
  cancelKey: 'cart:1',
  digest: { key: 'k', template: 'digest', windowMs: 60_000 },
};
const now = () => new Date('2026-11-20T08:00:01.000Z');

it('Postgres away: collect and decideCancel throw a DependencyError naming postgres', async () => {
  const away = createDatabase({
    url: `postgres://herald:herald@127.0.0.1:${await freePort()}/herald`,
    poolSize: 1,
    logger: silentLogger,
  });
  try {
    const port = workflowPort(away, now);
    for (const call of [() => port.decideCancel(job), () => port.collect(job)]) {
      const err: unknown = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DependencyError);
      expect((err as DependencyError).dependency).toBe('postgres');
    }
  } finally {
    await away.destroy();
  }
});

it('Postgres there: the port answers, and a refused statement is not an outage', async () => {
  const testDb = await createTestDatabase(stackEnv().DATABASE_URL);
  const db = createDatabase({ url: testDb.url, poolSize: 1, logger: silentLogger });
  try {
    // Not migrated: the tables are missing, a statement error, not an outage.
    const err: unknown = await workflowPort(db, now)
      .decideCancel(job)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(DependencyError);
    await migrateToLatest(db);
    expect(await workflowPort(db, now).decideCancel(job)).toMatchObject({ decision: 'send' });
  } finally {
    await db.destroy();
    await testDb.drop();
  }
});
