/**
 * How long the marks' client (MarksRedis) fails after a Redis Cluster primary dies for
 * good: it writes a batch of 60 marks (keys on every primary) every 250 ms, SIGKILLs a
 * primary of the local cluster and does not start it again until the end, so only a new
 * slot map (the replica promoted) lets the writes through. Prints the failed batches and
 * the time to the first good one; exits 1 if writes never came back.
 *
 * node-redis learns a slot map from MOVED replies only, which a dead node never sends:
 * without MarksRedis' rediscovery on node errors every batch failed until the node came
 * back (docs/benchmarks.md, "Round 12 (issue 19): the marks on node-redis").
 *
 *   deploy/local/stack.sh cluster up redis
 *   node packages/delivery/bench/marks-failover.mjs [seconds=20]
 *
 * It uses the cluster of `stack.sh cluster` (HERALD_CLUSTER_* ports, cluster.sh's defaults
 * unless set) and starts the killed node again before it exits.
 */
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MarksRedis } from '../dist/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const seconds = Number(process.argv[2] ?? 20);
const stack = (...args) =>
  execFileSync('bash', [resolve(root, 'deploy/local/stack.sh'), ...args], { encoding: 'utf8' });
const url = /REDIS_URL=(\S+)/.exec(stack('cluster', 'env'))?.[1]?.replace(/^['"]|['"]$/g, '');
if (!url?.startsWith('redis+cluster://')) {
  console.error('no Redis Cluster: run deploy/local/stack.sh cluster up redis first');
  process.exit(2);
}
// The node numbers cluster.sh counts from 1, in the order of the URL's ports.
const ports = url
  .slice('redis+cluster://'.length)
  .split(',')
  .map((n) => n.split(':')[1]);
const victim =
  ports.findIndex((port) =>
    execFileSync('redis-cli', ['-p', port, 'role']).toString().startsWith('master'),
  ) + 1;

const marks = new MarksRedis(url, { timeoutMs: 1_000 });
await marks.connect();
const keys = Array.from({ length: 60 }, (_, i) => `marks-failover:{k${i}}`);
const write = () => marks.setMany(keys.map((key) => ({ key, value: 'v', ttlMs: 60_000 })));
await write();
console.log(
  `SIGKILL redis node ${victim} (127.0.0.1:${ports[victim - 1]}), not started again for ${seconds} s`,
);
stack('cluster', 'kill', 'redis', String(victim));
const started = Date.now();
let failed = 0;
let backAfterMs;
let firstError;
while (Date.now() - started < seconds * 1_000) {
  try {
    await write();
    if (failed > 0 && backAfterMs === undefined) backAfterMs = Date.now() - started;
  } catch (err) {
    failed++;
    firstError ??= err.message;
  }
  await new Promise((r) => setTimeout(r, 250));
}
await marks.close();
stack('cluster', 'start', 'redis', String(victim));
console.log(
  `failed batches: ${failed} (first: ${firstError ?? 'none'}); writes back after ${
    backAfterMs === undefined ? (failed === 0 ? 0 : 'never') : backAfterMs
  } ms`,
);
process.exit(failed > 0 && backAfterMs === undefined ? 1 : 0);
