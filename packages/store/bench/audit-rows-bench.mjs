// The auditor's CPU per status on its side of AuditStore.write (grouping the chunk into
// rows, the array literals, kysely's compile), two builds of @herald/store side by side
// in one process, rounds alternated (A B, B A, …) so drift hits both alike (issue 19,
// round 8). The database is a stub driver answering herald_audit_write's one row at
// once: no Postgres, no pg protocol, so only the store's own work is counted.
// Statuses are testkit's audit workload, JSON round-tripped as the auditor decodes them.
//
//   node --expose-gc packages/store/bench/audit-rows-bench.mjs --base <dir> \
//     [--new <dir>] [--statuses 40000] [--chunk 1000] [--rounds 9] [--order interleaved|waves]
//
// <dir> holds a build's dist/ and sits inside packages/store (e.g. bench/.base/dist, which
// git ignores) so its imports resolve as the package's own; --new defaults to this
// package (give the base again for an A/A check). Prints CPU ns per status
// (process.cpuUsage, user + system) per round and side, the min and median, and the
// median of the rounds' new ÷ base. A measurement, not a test.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
} from 'kysely';
import { auditWorkload } from '@herald/testkit';
import { abRounds } from '../../../tooling/bench/ab-rounds.mjs';

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    new: { type: 'string' },
    statuses: { type: 'string', default: '40000' },
    chunk: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '9' },
    order: { type: 'string', default: 'interleaved' },
  },
});
if (!opts.base) throw new Error('--base <dir with dist/> is required');
const total = Number(opts.statuses);
const chunk = Number(opts.chunk);
const rounds = Number(opts.rounds);

/** herald_audit_write's answer, and nothing for the partition DDL. */
class StubDriver extends DummyDriver {
  async acquireConnection() {
    return {
      executeQuery: async (query) =>
        query.sql.includes('herald_audit_write')
          ? {
              rows: [
                {
                  inserted_statuses: 0,
                  changed_attempts: 0,
                  changed_notifications: 0,
                  changed_events: 0,
                },
              ],
            }
          : { rows: [] },
      streamQuery: async function* () {},
    };
  }
}
const db = new Kysely({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new StubDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

const load = async (dir) =>
  import(pathToFileURL(resolve(dir, 'dist/index.js')).href).then((m) => new m.AuditStore(db));
const sides = {
  base: await load(opts.base),
  new: await load(opts.new ?? new URL('..', import.meta.url).pathname),
};
// Flat strings, as the auditor's decoder hands them over.
const events = JSON.parse(JSON.stringify(auditWorkload('audit-rows-bench', total, opts.order)));

async function run(store) {
  globalThis.gc?.(); // each side starts on an empty young generation (run with --expose-gc)
  const before = process.cpuUsage();
  for (let i = 0; i < events.length; i += chunk) await store.write(events.slice(i, i + chunk));
  const used = process.cpuUsage(before);
  return ((used.user + used.system) * 1000) / events.length;
}

// The warm-up round also makes the partitions known.
await abRounds({
  sides,
  run,
  rounds,
  unit: 'ns per status',
  note: `${opts.order}, chunks of ${chunk}`,
});
await db.destroy();
