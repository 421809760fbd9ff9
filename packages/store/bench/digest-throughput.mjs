// Digest throughput (issue 16): N items across K keys collected into Postgres digests
// by C concurrent collectors (as C worker slots would), then every digest claimed and
// flushed. A measurement, not a test: it prints items/s for each phase.
//
//   DATABASE_URL=postgres://… node packages/store/bench/digest-throughput.mjs [--items 100000] [--keys 10000] [--concurrency 32]
import { performance } from 'node:perf_hooks';
import { createDatabase, migrateToLatest, DigestStore } from '@herald/store';
import { createTestDatabase } from '@herald/testkit';
import { silentLogger } from '@herald/core';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const N = arg('items', 100_000);
const K = arg('keys', 10_000);
const C = arg('concurrency', 32);
// A bench script, not an app: it reads the stack address like the tests do.
const url = process.env.DATABASE_URL;
if (!url) throw new Error('set DATABASE_URL (eval "$(bash deploy/local/stack.sh env)")');

const testDb = await createTestDatabase(url);
const db = createDatabase({ url: testDb.url, poolSize: C, logger: silentLogger });
try {
  await migrateToLatest(db);
  const store = new DigestStore(db);
  const now = new Date('2026-01-01T00:00:00Z');
  const due = new Date(now.getTime() + 600_000);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      for (let i = next++; i < N; i = next++) {
        const key = `k${i % K}`;
        await store.collect(
          {
            notificationId: `n${i}`,
            tenant: 'bench',
            recipientRef: `r${i % K}`,
            channel: 'email',
            key,
            newDigestId: `d-${key}-${i}`,
            dueAt: due,
            job: { template: 'digest' },
            eventId: `e${i}`,
            eventType: 'comment.created',
            payload: { i, text: 'a comment of ordinary length for a digest line' },
          },
          now,
        );
      }
    }),
  );
  const collectS = (performance.now() - started) / 1000;
  const flushStarted = performance.now();
  let digests = 0;
  let items = 0;
  const later = new Date(due.getTime() + 1);
  for (;;) {
    const batch = await store.claimDue(['email'], later, 60_000, 500);
    if (batch.length === 0) break;
    digests += batch.length;
    for (const d of batch) items += d.items.length;
    await store.markFlushed(
      batch.map((d) => d.id),
      later,
    );
  }
  const flushS = (performance.now() - flushStarted) / 1000;
  console.log(
    `collect: ${N} items, ${K} keys, concurrency ${C}: ${collectS.toFixed(1)} s = ${Math.round(N / collectS)} items/s`,
  );
  console.log(
    `flush:   ${digests} digests, ${items} items: ${flushS.toFixed(1)} s = ${Math.round(items / flushS)} items/s, ${Math.round(digests / flushS)} digests/s`,
  );
  if (items !== N || digests !== K) throw new Error(`expected ${N} items in ${K} digests`);
} finally {
  await db.destroy();
  await testDb.drop();
}
