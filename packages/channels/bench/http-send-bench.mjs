// The worker's per-delivery HTTP cost, old and new builds side by side in one run
// (issue 19): N webhook POSTs through the real send path (createWebhookProvider →
// HttpClient → undici, signing included) to a node:http receiver on 127.0.0.1 that
// runs in a child process, so this process's CPU is the client's alone. Prints the
// client's CPU µs per request (process.cpuUsage, user + system) for each build, the
// minimum over the rounds (alternated old/new, so drift hits both alike).
// Run (after `npm run build -w @herald/channels`, and a build of the other side):
//   node packages/channels/bench/http-send-bench.mjs --base <other>/packages/channels/dist/index.js
//   [--requests 20000] [--concurrency 50] [--rounds 7] [--status 204|200]
// Without --base it measures this build only. Bounded: stops by itself.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    receiver: { type: 'boolean', default: false },
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '7' },
    status: { type: 'string', default: '204' },
    base: { type: 'string' },
  },
});
const requests = Number(opts.requests);
const concurrency = Number(opts.concurrency);
const rounds = Number(opts.rounds);
const status = Number(opts.status);
const base = opts.base;

// The receiver: the child branch of this same file.
if (opts.receiver) {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (status === 204) res.writeHead(204).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
  process.on('disconnect', () => server.close(() => process.exit(0)));
} else {
  await main();
}

async function main() {
  const child = fork(fileURLToPath(import.meta.url), ['--receiver', '--status', String(status)]);
  const port = await new Promise((resolve) => child.once('message', resolve));
  const url = `http://127.0.0.1:${port}/hooks/orders`;
  const secret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
  const sides = [['new', new URL('../dist/index.js', import.meta.url).href]];
  if (base !== undefined) sides.unshift(['old', new URL(base, `file://${process.cwd()}/`).href]);
  const providers = [];
  for (const [name, path] of sides) {
    const { createWebhookProvider } = await import(path);
    const provider = createWebhookProvider({
      secrets: { default: secret },
      allowPrivateNetworks: true,
      timeoutMs: 10_000,
      connectionsPerOrigin: concurrency,
    });
    providers.push({ name, provider, us: [] });
  }
  const job = (i) => ({
    notificationId: `ntf_${randomUUID()}`,
    event: { id: `evt_${i}`, source: 'bench', type: 'order.shipped' },
    tenant: 'acme',
    rule: { id: 'rule-1', version: 1 },
    channel: 'webhook',
    recipient: { ref: `user-${i % 100}`, address: url },
    priority: 'normal',
    attempt: 1,
    payload: { orderId: `o-${i}`, total: 42, items: [{ sku: 'sku-1', qty: 2 }] },
    plannedAt: '2030-01-01T00:00:00.000Z',
  });
  const signal = new AbortController().signal;

  async function run(provider, n) {
    let next = 0;
    let failed = 0;
    const lane = async () => {
      while (next < n) {
        const outcome = await provider.send(job(next++), undefined, signal);
        if (outcome.status !== 'sent') failed++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    if (failed > 0) throw new Error(`${failed} sends failed`);
  }

  // Warm up both sides (JIT, connections) before measuring.
  for (const side of providers) await run(side.provider, Math.min(requests, 5_000));
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? providers : [...providers].reverse()) {
      globalThis.gc?.();
      const before = process.cpuUsage();
      await run(side.provider, requests);
      const used = process.cpuUsage(before);
      side.us.push((used.user + used.system) / requests);
    }
  }
  for (const side of providers) await side.provider.close();
  child.disconnect();

  const fmt = (x) => x.toFixed(1);
  console.log(
    `${requests} POSTs × ${rounds} rounds, ${concurrency} in flight, receiver replies ${status}`,
  );
  for (const { name, us } of providers)
    console.log(
      `${name}: min ${fmt(Math.min(...us))} µs CPU/request; rounds ${us.map(fmt).join(' ')}`,
    );
  if (providers.length === 2) {
    const [old, now] = providers.map((p) => Math.min(...p.us));
    console.log(`new/old: ${(now / old).toFixed(3)} (${fmt(old - now)} µs less per request)`);
  }
}
