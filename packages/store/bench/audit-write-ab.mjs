// AuditStore.write, this build against another checkout's, side by side in one process
// (issue 19, item 3): the same chunks of status events written by each build into a
// fresh database migrated with that build's own migrations/, rounds alternated
// (A B, B A, …). Per round and side it prints the CPU of this process (the store's
// client side: rows, array literals, pg's protocol) and of the Postgres backend that
// served it (from /proc; one connection, chunks written one after another), per
// 10,000 statuses. A measurement, not a test.
//
//   eval "$(bash deploy/local/stack.sh env)"
//   node packages/store/bench/audit-write-ab.mjs --other /path/to/other/checkout \
//     [--statuses 20000] [--chunk 1000] [--rounds 7] [--order waves|interleaved] \
//     [--variant-migrations DIR]   # also this build on DIR's migrations
//     [--fanout F]   # F notifications per event, one tenant and time (unset: 1 per events row)
//     [--shape pipeline]   # the e2e bench's statuses: queued then sent of a webhook, 1 per event
//
// Orders as in the auditor bench (apps/auditor/bench): `interleaved` writes a
// notification's four statuses in one chunk, `waves` every `queued` first, then every
// `sending`, and so on, so most statuses update a row an earlier chunk wrote.
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { silentLogger } from '@herald/core';
import * as thisStore from '@herald/store';
import { auditWorkload, createTestDatabase, processCpuSeconds } from '@herald/testkit';

const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};
const total = Number(option('statuses', '20000'));
const chunkSize = Number(option('chunk', '1000'));
const rounds = Number(option('rounds', '7'));
const order = option('order', 'waves');
const other = option('other', undefined);
const variant = option('variant-migrations', undefined);
const fanoutOption = option('fanout', undefined);
const fanout = fanoutOption === undefined ? undefined : Number(fanoutOption);
const shape = option('shape', undefined);
if (shape !== undefined && shape !== 'pipeline')
  throw new Error(`--shape takes 'pipeline' (got '${shape}')`);
// The pipeline shape is one notification per event: a --fanout beside it would be ignored.
if (shape !== undefined && fanout !== undefined)
  throw new Error('--shape pipeline sets one notification per event: drop --fanout');
const url = process.env.DATABASE_URL;
if (!url) throw new Error('set DATABASE_URL (eval "$(bash deploy/local/stack.sh env)")');
if (order !== 'waves' && order !== 'interleaved')
  throw new Error(`--order takes waves or interleaved (got '${order}')`);

const sides = [{ name: 'this', store: thisStore, migrations: undefined }];
if (other) {
  sides.push({
    name: 'other',
    store: await import(pathToFileURL(`${other}/packages/store/dist/index.js`).href),
    migrations: `${other}/migrations`,
  });
}

// This build on another migrations folder (e.g. one SQL function changed).
if (variant) sides.push({ name: 'variant', store: thisStore, migrations: variant });

const statusEvents = (seed, count) =>
  auditWorkload(`audit-write-ab-${seed}`, count, order, shape ?? fanout);

// The Postgres backend's CPU; this bench runs beside its Postgres, so /proc has it.
async function backendCpuS(pid) {
  const seconds = await processCpuSeconds(pid);
  if (seconds === undefined)
    throw new Error(`no /proc entry for Postgres backend ${pid}: run Postgres on this host`);
  return seconds;
}

async function runSide(side, round) {
  const testDb = await createTestDatabase(url);
  const db = side.store.createDatabase({ url: testDb.url, poolSize: 1, logger: silentLogger });
  try {
    await side.store.migrateToLatest(db, side.migrations);
    const store = new side.store.AuditStore(db);
    // Warm-up (partitions, the connection, plans): statuses of other notifications.
    const warm = statusEvents(`warm-${round}`, 4 * chunkSize);
    for (let i = 0; i < warm.length; i += chunkSize)
      await store.write(warm.slice(i, i + chunkSize));
    const events = statusEvents(`r${round}`, total);
    const { rows } = await sql`select pg_backend_pid() as pid`.execute(db);
    const pid = rows[0].pid;
    const pgBefore = await backendCpuS(pid);
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < events.length; i += chunkSize) {
      await store.write(events.slice(i, i + chunkSize));
    }
    const cpu = process.cpuUsage(cpuBefore);
    const pg = (await backendCpuS(pid)) - pgBefore;
    const { rows: counted } = await sql`select count(*)::int as n from status_events`.execute(db);
    if (counted[0].n !== total + warm.length) throw new Error(`${side.name}: ${counted[0].n} rows`);
    const per10k = (s) => (s * 10_000) / total;
    return { client: per10k((cpu.user + cpu.system) / 1e6), pg: per10k(pg) };
  } finally {
    await db.destroy();
    await testDb.drop();
  }
}

const results = new Map(sides.map((s) => [s.name, []]));
for (let round = 0; round < rounds; round++) {
  const ordered = round % 2 === 0 ? sides : [...sides].reverse();
  for (const side of ordered) {
    const r = await runSide(side, round);
    results.get(side.name).push(r);
    console.log(
      `round ${round + 1} ${side.name}: client ${r.client.toFixed(3)} s, Postgres backend ${r.pg.toFixed(3)} s per 10k statuses`,
    );
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `audit write A/B: ${total} statuses (${order}${shape ? `, ${shape}` : ''}${fanout === undefined ? '' : `, ${fanout} per event`}), chunks of ${chunkSize}, ${rounds} rounds`,
);
for (const [name, rs] of results) {
  const c = rs.map((r) => r.client);
  const p = rs.map((r) => r.pg);
  console.log(
    `  ${name}: client min ${Math.min(...c).toFixed(3)} / median ${median(c).toFixed(3)} s; Postgres min ${Math.min(...p).toFixed(3)} / median ${median(p).toFixed(3)} s per 10k`,
  );
}
