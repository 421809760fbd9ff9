/**
 * The Redis work of a worker's chunk, two builds of @herald/delivery side by side: the
 * leases of a chunk of fresh jobs (`acquireMany`), then their sent marks in the batches
 * `markSent` makes (`completeMany`). Prints CPU µs per job of this process (the client) and of
 * the Redis server (INFO cpu), and Redis commands per job (INFO commandstats), per build:
 * the minimum and median over the rounds, builds alternated within each round.
 *
 *   node bench/chunk-redis.mjs <old delivery dir> <new delivery dir> [rounds=9] [chunks=20]
 *
 * It starts a redis-server of its own (Debian's, testkit's `ownRedis`) on a free port, so the Redis CPU is only
 * this bench's; REDIS_ARGS adds server arguments (e.g. "--appendonly yes", as the local stack runs). Each delivery dir holds dist/ and lua/ (a copy of packages/delivery).
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { ownRedis } from '@herald/testkit';

const [oldDir, newDir, roundsArg = '9', chunksArg = '20'] = process.argv.slice(2);
if (!oldDir || !newDir)
  throw new Error('usage: chunk-redis.mjs <old dir> <new dir> [rounds] [chunks]');
const ROUNDS = Number(roundsArg);
const CHUNKS = Number(chunksArg);
const CHUNK = 500;
const MARK_BATCH = 25; // sends finishing in one turn of the event loop

const extra = (process.env.REDIS_ARGS ?? '').split(' ').filter(Boolean);
const server = await ownRedis(extra);
await server.start();
const { port } = server;
const admin = new Redis({ port });

async function redisCpu() {
  const info = await admin.info('cpu');
  const get = (name) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)[1]);
  return get('used_cpu_user') + get('used_cpu_sys');
}
async function commands() {
  const info = await admin.info('commandstats');
  let total = 0;
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    if (!['info', 'config', 'flushall'].includes(m[1])) total += Number(m[2]);
  return total;
}

const builds = [];
for (const [name, dir] of [
  ['old', oldDir],
  ['new', newDir],
]) {
  const mod = await import(pathToFileURL(resolve(dir, 'dist/index.js')).href);
  // The worker's marks client: MarksRedis (node-redis) in builds that have it, before
  // that ioredis in stage mode (auto-pipelining on a single Redis).
  const url = `redis://127.0.0.1:${port}`;
  const redis = mod.MarksRedis
    ? new mod.MarksRedis(url)
    : mod.createRedisClient(url, { mode: 'stage' });
  await redis.connect();
  const store = new mod.IdempotencyStore(redis, { keyPrefix: `${name}:`, leaseMs: 60_000 });
  builds.push({ name, redis, store, cpu: [], redisCpu: [], cmds: [], wall: [] });
}

const min = (xs) => Math.min(...xs);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let serial = 0;
let leaseMs = [];
async function chunkWork(store) {
  const id = serial++;
  const requests = Array.from({ length: CHUNK }, (_, i) => ({
    notificationId: `c${id}-n${i}`,
    owner: `worker-1/herald.deliveries.webhook/${i % 6}/${1000 + i}`,
  }));
  const t0 = performance.now();
  const leases = await store.acquireMany(requests);
  leaseMs.push(performance.now() - t0);
  if (leases.some((l) => l.status !== 'acquired')) throw new Error('lease not acquired');
  const summary = JSON.stringify({ attempt: 1, provider: { statusCode: 204, name: 'webhook' } });
  const marks = requests.map((r) => ({ notificationId: r.notificationId, summary }));
  const writes = [];
  for (let i = 0; i < marks.length; i += MARK_BATCH)
    writes.push(store.completeMany(marks.slice(i, i + MARK_BATCH)));
  await Promise.all(writes);
}

for (const b of builds) for (let i = 0; i < 3; i++) await chunkWork(b.store); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? builds : [...builds].reverse();
  for (const b of order) {
    await admin.config('RESETSTAT');
    const r0 = await redisCpu();
    const c0 = process.cpuUsage();
    leaseMs = [];
    for (let i = 0; i < CHUNKS; i++) await chunkWork(b.store);
    b.wall.push(median(leaseMs));
    const c = process.cpuUsage(c0);
    const r1 = await redisCpu();
    const jobs = CHUNKS * CHUNK;
    b.cpu.push((c.user + c.system) / jobs);
    b.redisCpu.push(((r1 - r0) * 1e6) / jobs);
    b.cmds.push((await commands()) / jobs);
  }
  await admin.flushall();
}

const f = (x) => x.toFixed(2);
for (const b of builds)
  console.log(
    `${b.name}: node CPU µs/job min ${f(min(b.cpu))} median ${f(median(b.cpu))} [${b.cpu.map(f).join(' ')}]; ` +
      `redis-server CPU µs/job min ${f(min(b.redisCpu))} median ${f(median(b.redisCpu))} [${b.redisCpu.map(f).join(' ')}]; ` +
      `commands/job ${f(median(b.cmds))}; lease round trip of ${CHUNK} jobs, ms median ${f(median(b.wall))}`,
  );
for (const b of builds) await (b.redis.close?.() ?? b.redis.disconnect());
admin.disconnect();
await server.remove();
