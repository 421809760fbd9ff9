/**
 * npm run bench:gateway (run.sh raises ulimit -n and builds). Phases, first for the
 * gateway (real Postgres inbox, Redis fan-out, Kafka statuses, tokens), then for the
 * bare baseline (baseline-server.ts), same clients and same message mix:
 *  1. connect CONNECTIONS clients (half SSE, half WebSocket; TABS per subscriber),
 *     idle memory per connection from the server's RSS and heap;
 *  2. deliveries/s at a rate that asks for ≥ 10,000 deliveries/s;
 *  3. p99 store→client at 5,000 deliveries/s;
 *  4. reconnect storm (gateway only, the baseline has nothing to resume from):
 *     STORM clients drop, messages are stored meanwhile, all reconnect at once with
 *     their last seq; every stream must be gap- and duplicate-free.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Redis } from 'ioredis';
import { silentLogger } from '@herald/core';
import { createDatabase, migrateToLatest } from '@herald/store';
import { InboxFanout, InboxStore } from '@herald/inbox';
import { issueSubscriberToken, tenantSecretsFromJson } from '@herald/subscriber-auth';
import { LoadClients } from './load-clients.js';
import { spawnApp } from '@herald/testkit';
import { printReport, type Result } from './report.js';
import { StageTrace } from './trace.js';

const stack = {
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:19092',
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://herald:herald@127.0.0.1:15432/herald',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:16379',
};
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20_000);
// 50 connections per inbox (a shared team inbox, or 50 tabs): the store's append rate
// on a loaded two-core box, not the gateway, would otherwise bound deliveries/s.
const TABS = Number(process.env.BENCH_TABS ?? 50);
const STORM = Number(process.env.BENCH_STORM ?? 10_000);
const SUBSCRIBERS = Math.ceil(CONNECTIONS / TABS);
const PHASE_S = Number(process.env.BENCH_PHASE_S ?? 6);
// Before/after in one run: BENCH_GATEWAY_MAIN lists gateway builds (comma-separated
// main.js paths, e.g. a copy of the old dist), each measured in turn with the same
// clients, then the baseline. Extra node flags (--cpu-prof), per-stage timestamps of
// the 5,000/s phase (BENCH_TRACE=1, trace.ts), BENCH_THROUGHPUT=0 skips the 15k/s phase.
const GATEWAY_MAINS = (
  process.env.BENCH_GATEWAY_MAIN ??
  new URL('../../../apps/gateway/dist/main.js', import.meta.url).pathname
).split(',');
const GATEWAY_LABELS = (process.env.BENCH_GATEWAY_LABELS ?? '').split(',');
const GATEWAY_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
const TRACE = process.env.BENCH_TRACE === '1';
const THROUGHPUT = process.env.BENCH_THROUGHPUT !== '0';
const localAddresses = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
const tenant = 'bench';
const secret = 'bench-tenant-secret-0123456789abcdef';
const secrets = tenantSecretsFromJson(JSON.stringify({ [tenant]: secret }));
const log = (text: string) => console.log(`[bench] ${text}`);
const p = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
};

async function freshDatabase(name: string): Promise<string> {
  const client = new pg.Client({ connectionString: stack.DATABASE_URL });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(stack.DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The layout of connections: subscriber i has TABS connections, alternating SSE and WS. */
function specs() {
  return Array.from({ length: CONNECTIONS }, (_, i) => ({
    subscriber: i % SUBSCRIBERS,
    kind: (i % 2 === 0 ? 'sse' : 'ws') as 'sse' | 'ws',
    after: 0,
  }));
}

/**
 * Sends `count` messages round-robin over the subscribers at `rate` per second through
 * `send` (bounded concurrency); returns when all were sent.
 */
async function pace(
  count: number,
  rate: number,
  send: (i: number) => Promise<void>,
  concurrency: number,
) {
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const due = started + (i / rate) * 1000;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
        await send(i);
      }
    }),
  );
}

async function measure(
  clients: LoadClients,
  produce: (count: number, rate: number) => Promise<void>,
  trace?: StageTrace,
): Promise<
  Omit<Result, 'storm' | 'connected' | 'connectSeconds' | 'rssPerConnKiB' | 'heapPerConnKiB'>
> {
  // Throughput: offer stores for 1.5× the 10k/s target; count what reaches sockets.
  const storesPerSecond10k = Math.ceil(15_000 / TABS);
  clients.delivered = 0;
  clients.latencies = [];
  clients.recording = true;
  let started = Date.now();
  let throughput = NaN;
  let offeredThroughput = NaN;
  let p99at10k = NaN;
  if (THROUGHPUT) {
    await produce(storesPerSecond10k * PHASE_S, storesPerSecond10k);
    const offeredSeconds = (Date.now() - started) / 1000;
    await waitQuiet(clients);
    const elapsed = (Date.now() - started) / 1000;
    throughput = clients.delivered / elapsed;
    offeredThroughput = (storesPerSecond10k * PHASE_S * TABS) / offeredSeconds;
    log(
      `  offered ${offeredThroughput.toFixed(0)}/s (${(offeredThroughput / TABS).toFixed(0)} stores/s), delivered ${throughput.toFixed(0)}/s`,
    );
    p99at10k = p(clients.latencies, 0.99);
  }
  // Latency at 5,000 deliveries/s.
  const stores5k = Math.ceil(5_000 / TABS);
  clients.latencies = [];
  if (trace) {
    await trace.begin();
    clients.onDelivery = (key, at, ms) => trace.deliveries.push({ key, at, ms });
    clients.onHeartbeat = (at) => trace.heartbeats.push(at);
  }
  started = Date.now();
  await produce(stores5k * PHASE_S, stores5k);
  await waitQuiet(clients);
  clients.recording = false;
  clients.onDelivery = undefined;
  clients.onHeartbeat = undefined;
  await trace?.report(clients.committedAt);
  const conns = clients.conns;
  return {
    throughput,
    offeredThroughput,
    p99at10k,
    p50at5k: p(clients.latencies, 0.5),
    p99at5k: p(clients.latencies, 0.99),
    p999at5k: p(clients.latencies, 0.999),
    maxAt5k: p(clients.latencies, 1),
    gaps: conns.reduce((n, c) => n + c.gaps, 0),
    duplicates: conns.reduce((n, c) => n + c.duplicates, 0),
  };
}

/** Until no delivery for 500 ms. */
async function waitQuiet(clients: LoadClients): Promise<void> {
  let last = -1;
  while (clients.delivered !== last) {
    last = clients.delivered;
    await sleep(500);
  }
}

async function connectAll(
  clients: LoadClients,
  memory: () => Promise<{ rss: number; heap: number }>,
) {
  const before = await memory();
  const started = Date.now();
  await clients.openMany(specs(), 200);
  if (clients.failed > 0)
    log(`${clients.failed} connections failed after retries: ${clients.firstError}`);
  const connectSeconds = (Date.now() - started) / 1000;
  await sleep(3000);
  const after = await memory();
  return {
    connected: CONNECTIONS - clients.failed,
    connectSeconds,
    rssPerConnKiB: (after.rss - before.rss) / CONNECTIONS / 1024,
    heapPerConnKiB: (after.heap - before.heap) / CONNECTIONS / 1024,
  };
}

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

async function runGateway(main: string): Promise<Result> {
  const dbUrl = await freshDatabase('herald_bench_gateway');
  const db = createDatabase({ url: dbUrl, poolSize: 16, logger: silentLogger });
  await migrateToLatest(db);
  const store = new InboxStore(db);
  const prefix = `bench-gw-${Date.now()}.`;
  const redis = new Redis(stack.REDIS_URL);
  const fanout = new InboxFanout({ publisher: redis, keyPrefix: prefix });
  log(`gateway: ${main}`);
  const gateway = await spawnApp(
    'gateway',
    main,
    [],
    {
      ...stack,
      DATABASE_URL: dbUrl,
      HERALD_TOPIC_PREFIX: prefix,
      HERALD_GATEWAY_TENANT_SECRETS: JSON.stringify({ [tenant]: secret }),
      HERALD_GATEWAY_PORT: '18190',
      HERALD_GATEWAY_HOST: '127.0.0.1',
      HERALD_METRICS_PORT: '18191',
      HERALD_METRICS_HOST: '127.0.0.1',
      HERALD_DATABASE_POOL_SIZE: '16',
      HERALD_GATEWAY_MAX_CONNECTIONS: '100000',
      // Counts pushes would be one Postgres query per message per subscriber here.
      HERALD_GATEWAY_COUNTS_DEBOUNCE_MS: '0',
      HERALD_LOG_LEVEL: 'info',
    },
    'gateway listening',
    60_000,
    ['--max-old-space-size=4096', ...GATEWAY_NODE_ARGS],
  );
  const metricsText = async () => (await fetch('http://127.0.0.1:18191/metrics')).text();
  const trace = TRACE ? new StageTrace(metricsText, log) : undefined;
  await trace?.listen(stack.REDIS_URL, prefix);
  const memory = async () => {
    const text = await metricsText();
    return {
      rss: metric(text, 'process_resident_memory_bytes'),
      heap: metric(text, 'nodejs_heap_size_used_bytes'),
    };
  };
  const tokens = await Promise.all(
    Array.from({ length: SUBSCRIBERS }, (_, i) =>
      issueSubscriberToken(secrets, { tenant, subscriber: `s${i}`, ttlSeconds: 3600 }),
    ),
  );
  const clients = new LoadClients({ port: 18190, token: (i) => tokens[i]!, localAddresses });
  try {
    const connected = await connectAll(clients, memory);
    log(`gateway: ${CONNECTIONS} connected in ${connected.connectSeconds.toFixed(1)} s`);
    let n = 0;
    const produce = (count: number, rate: number) =>
      pace(
        count,
        rate,
        async () => {
          const i = n++;
          const s = i % SUBSCRIBERS;
          const result = await store.append({
            tenant,
            subscriber: `s${s}`,
            notificationId: `n-${i}`,
            title: 'bench',
            body: 'progress',
            data: { i },
            event: { id: `e-${i}`, type: 'bench', time: new Date().toISOString() },
            rule: { id: 'bench', version: 1 },
            attempt: 1,
          });
          clients.committedAt.set(s * 1_000_000 + result.seq, Date.now());
          await fanout.publish({
            tenant,
            subscriber: `s${s}`,
            seq: result.seq,
            kind: 'message',
            message: result.message,
          });
        },
        64,
      );
    const measured = await measure(clients, produce, trace);
    if (STORM <= 0) return { ...connected, ...measured };
    // Reconnect storm: STORM connections drop, two messages per affected subscriber
    // are stored while they are away, then all reconnect at once with their last seq.
    const storm = clients.conns.slice(0, STORM);
    for (const c of storm) c.close();
    const affected = new Set(storm.map((c) => c.subscriber));
    await sleep(1000);
    for (const c of storm) {
      c.gaps = 0;
      c.duplicates = 0;
    }
    const missed = [...affected].flatMap((s) => [s, s]);
    let k = 0;
    await pace(
      missed.length,
      2000,
      async () => {
        const s = missed[k++]!;
        const i = n++;
        await store.append({
          tenant,
          subscriber: `s${s}`,
          notificationId: `n-${i}`,
          title: 'missed',
          body: '',
          data: { t: Date.now() },
          event: { id: `e-${i}`, type: 'bench', time: new Date().toISOString() },
          rule: { id: 'bench', version: 1 },
          attempt: 1,
        });
      },
      32,
    );
    const latest = new Map<number, number>();
    for (const s of affected) latest.set(s, await store.latestSeq(tenant, `s${s}`));
    const stormStarted = Date.now();
    await clients.openMany(
      storm.map((c) => ({ subscriber: c.subscriber, kind: c.kind, after: c.lastSeq, reuse: c })),
      STORM,
    );
    const stormSeconds = (Date.now() - stormStarted) / 1000;
    await waitQuiet(clients);
    const complete = storm.filter((c) => c.lastSeq === latest.get(c.subscriber)).length;
    return {
      ...connected,
      ...measured,
      storm: {
        clients: storm.length,
        seconds: stormSeconds,
        missedPerClient: 2,
        gaps: storm.reduce((a, c) => a + c.gaps, 0),
        duplicates: storm.reduce((a, c) => a + c.duplicates, 0),
        complete,
      },
    };
  } finally {
    trace?.close();
    clients.closeAll();
    await gateway.stop();
    redis.disconnect();
    await db.destroy();
  }
}

async function runBaseline(): Promise<Result> {
  const port = 18290;
  const server = await spawnApp(
    'baseline',
    new URL('./baseline-server.js', import.meta.url).pathname,
    [String(port)],
    {},
    'baseline listening',
    30_000,
    ['--max-old-space-size=4096'],
  );
  const memory = async () => {
    const m = (await (await fetch(`http://127.0.0.1:${port}/mem`)).json()) as {
      rss: number;
      heapUsed: number;
    };
    return { rss: m.rss, heap: m.heapUsed };
  };
  const clients = new LoadClients({ port, token: (i) => `${i}.x`, localAddresses });
  try {
    const connected = await connectAll(clients, memory);
    log(`baseline: ${CONNECTIONS} connected in ${connected.connectSeconds.toFixed(1)} s`);
    const produce = async (count: number, rate: number) => {
      await (
        await fetch(
          `http://127.0.0.1:${port}/publish?count=${count}&rate=${rate}&subscribers=${SUBSCRIBERS}`,
          { method: 'POST' },
        )
      ).text();
    };
    return { ...connected, ...(await measure(clients, produce)) };
  } finally {
    clients.closeAll();
    await server.stop();
  }
}

const results: { label: string; result: Result }[] = [];
for (const [i, main] of GATEWAY_MAINS.entries()) {
  const label = GATEWAY_LABELS[i] || (GATEWAY_MAINS.length === 1 ? 'gateway' : `gateway ${i + 1}`);
  results.push({ label, result: await runGateway(main) });
  await sleep(2000);
}
results.push({ label: 'baseline', result: await runBaseline() });
printReport(
  `Gateway benchmark: ${CONNECTIONS} connections (half SSE, half WebSocket), ${SUBSCRIBERS} subscribers × ${TABS} tabs, one gateway process`,
  results,
);
process.exit(0);
