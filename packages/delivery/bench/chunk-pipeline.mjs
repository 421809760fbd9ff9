/**
 * A worker's chunk through two builds of @herald/delivery side by side: `createChunkHandler`
 * over `createDeliveryPipeline`, as apps/worker wires it (each record in its `process`
 * trace span with tracing off, the webhook provider of @herald/channels, the address-state
 * cache, a rate limiter without policies, Prometheus metrics, leases and sent marks on
 * Redis). Per round and build: CHUNKS chunks of 500 fresh webhook jobs (distinct keys
 * but for every 10th job, which shares its key with the one before: lanes of 1–2);
 * prints this process's CPU µs per job (process.cpuUsage: the pipeline, ioredis, undici,
 * the HMAC signature), min and median over the rounds, builds alternated within each round.
 *
 *   node bench/chunk-pipeline.mjs <old delivery dir> <new delivery dir> [rounds=9] [chunks=4]
 *
 * SEND=stub replaces the HTTP send by an answer one event-loop turn later (204, as the
 * receiver's), so what is left is the pipeline's own work and its Redis calls. RATE:
 * how the rate-limit port answers (below). LEASES=memory keeps leases and marks in a Map
 * (answered as resolved promises): with SEND=stub, only the pipeline's own work is left.
 *
 * The receiver (HTTP 204) runs in a child process and Redis is a redis-server of the
 * bench's own (testkit's `ownRedis`), so their CPU is not counted. Each delivery dir holds
 * dist/ and lua/ (a copy of packages/delivery, placed inside packages/delivery so its
 * imports resolve as the package's own).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { setImmediate } from 'node:timers';
import { pathToFileURL } from 'node:url';
import { encodeDeliveryJob, silentLogger, topicNames } from '@herald/core';
import { z } from 'zod';
import { channelsEnv, createChannelRouter } from '@herald/channels';
import { ownRedis } from '@herald/testkit';
import {
  createHeraldMetrics,
  injectTraceContext,
  startTracing,
  traceProcess,
  traceSpan,
} from '@herald/telemetry';

const [oldDir, newDir, roundsArg = '9', chunksArg = '4'] = process.argv.slice(2);
if (!oldDir || !newDir)
  throw new Error('usage: chunk-pipeline.mjs <old dir> <new dir> [rounds] [chunks]');
const ROUNDS = Number(roundsArg);
const CHUNKS = Number(chunksArg);
const CHUNK = 500;

// The receiver in a child process: its CPU is not the pipeline's.
const receiver = spawn(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `import http from 'node:http';
       const s = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.statusCode = 204; res.end(); }); });
       s.keepAliveTimeout = 60_000;
       s.listen(0, '127.0.0.1', () => process.send(s.address().port));
       process.on('message', () => process.exit(0));`,
  ],
  { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
);
const receiverPort = await new Promise((ok) => receiver.once('message', ok));
const redisServer = await ownRedis([]);
await redisServer.start();
const tracing = startTracing({ enabled: false });
const topics = topicNames('bench.');
const channels = createChannelRouter(
  z.object(channelsEnv()).parse({
    HERALD_WEBHOOK_SECRETS: JSON.stringify({
      default: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
    }),
    HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_WEBHOOK_CONNECTIONS_PER_ORIGIN: '64',
  }),
  ['webhook'],
  { logger: silentLogger },
);
const address = `http://127.0.0.1:${receiverPort}/hook`;
const stubbed = process.env.SEND === 'stub';
const sendPort = stubbed
  ? {
      providerFor: (job) => channels.providerFor(job),
      providersFor: (job) => channels.providersFor(job),
      send: () =>
        new Promise((ok) =>
          setImmediate(ok, { status: 'sent', provider: { name: 'webhook', statusCode: 204 } }),
        ),
    }
  : channels;

const rate = process.env.RATE ?? 'promise';
/** Leases and sent marks in a Map, each call answered as a resolved promise. */
function memoryLeases() {
  const held = new Map();
  const acquire = (id, owner) => {
    const entry = held.get(id);
    if (entry?.summary !== undefined) return { status: 'sent', summary: entry.summary };
    if (entry && entry.owner !== owner) return { status: 'busy', retryInMs: 30_000 };
    held.set(id, { owner });
    return { status: 'acquired' };
  };
  return {
    acquire: async (id, owner) => acquire(id, owner),
    acquireMany: async (requests) => requests.map((r) => acquire(r.notificationId, r.owner)),
    completeMany: async (marks) => {
      for (const m of marks) held.set(m.notificationId, { summary: m.summary });
    },
    release: async (id) => {
      held.delete(id);
    },
  };
}
const allowed = Object.freeze({ action: 'allow' });
const builds = [];
for (const [name, dir] of [
  ['old', oldDir],
  ['new', newDir],
]) {
  const mod = await import(pathToFileURL(resolve(dir, 'dist/index.js')).href);
  // The marks client: MarksRedis in builds that have it, ioredis in stage mode before.
  const url = `redis://127.0.0.1:${redisServer.port}`;
  const redis = mod.MarksRedis
    ? new mod.MarksRedis(url)
    : mod.createRedisClient(url, { mode: 'stage' });
  await redis.connect();
  const metrics = createHeraldMetrics({ defaultLabels: { app: 'worker' }, processMetrics: false });
  const now = () => new Date();
  const pipeline = mod.createDeliveryPipeline({
    topics,
    channels: sendPort,
    metrics: {
      recordDelivery: (record) => metrics.recordDelivery(record),
      rateLimitDecision: (channel, decision) =>
        metrics.m.rateLimitDecisions.inc({ channel, decision }),
    },
    tracing: {
      headers: () => injectTraceContext({}),
      span: (spanName, attributes, send) =>
        traceSpan(spanName, { kind: 'client', attributes }, send),
    },
    retryPolicies: mod.defaultRetryPolicies,
    breakers: new mod.BreakerRegistry(),
    idempotency:
      process.env.LEASES === 'memory'
        ? memoryLeases()
        : new mod.IdempotencyStore(redis, { keyPrefix: `${name}:`, leaseMs: 60_000 }),
    // The worker's adapter with no policy applying to the job: a promise before round 5,
    // a plain value since (RATE=promise|plain for both builds, mixed: old promise, new plain).
    rateLimiter:
      rate === 'plain' || (rate === 'mixed' && name === 'new')
        ? { check: () => allowed }
        : { check: async () => allowed },
    addressStates: mod.cachedAddressStates(
      { find: async () => undefined, markInvalid: async () => undefined },
      { ttlMs: 3_600_000, maxEntries: 10_000, log: silentLogger, now: Date.now },
    ),
    instanceId: `bench-${name}`,
    poisonMaxTries: 3,
    maxRecordBytes: 1_000_000,
    recordSize: (m) => ({ fits: true, bytes: m.value.length }),
    log: silentLogger,
    now,
    random: Math.random,
  });
  const handler = mod.createChunkHandler(pipeline, {
    concurrency: 64,
    around: (record, run) =>
      traceProcess(
        {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          group: 'bench',
          key: record.key,
          headers: record.headers,
        },
        run,
      ),
  });
  builds.push({ name, redis, handler, cpu: [] });
}

let serial = 0;
/** A chunk as the router plans it: webhook jobs of an order event, keyed by customer. */
function chunk(name) {
  const c = serial++;
  const records = [];
  for (let i = 0; i < CHUNK; i++) {
    const n = c * CHUNK + i;
    const customer = i % 10 === 9 ? n - 1 : n;
    const job = {
      notificationId: `${name}-c${c}-n${i}`,
      event: {
        id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
        source: 'bench/orders',
        type: `bench.type-${n % 100}`,
        time: new Date().toISOString(),
        subject: `customer/c-${customer}`,
      },
      tenant: 'bench',
      rule: { id: `rule-${n % 100}`, version: 1 },
      channel: 'webhook',
      recipient: { ref: `endpoint-${n % 10}`, address },
      priority: 'normal',
      attempt: 1,
      payload: {
        sentAt: Date.now(),
        orderId: n,
        total: 10 + (n % 500),
        currency: 'EUR',
        customer: { id: `c-${customer}`, tier: n % 7 === 0 ? 'gold' : 'standard' },
      },
      plannedAt: new Date().toISOString(),
      producedAt: new Date().toISOString(),
    };
    records.push({
      topic: topics.deliveries('webhook'),
      partition: 0,
      offset: String(n),
      timestamp: Date.now(),
      key: Buffer.from(`customer/c-${customer}`),
      value: encodeDeliveryJob(job),
      headers: {},
    });
  }
  return records;
}

const signal = new AbortController().signal;
/** One chunk through `build`'s handler; CPU µs of this process. */
async function runChunk(build) {
  const records = chunk(build.name);
  const before = process.cpuUsage();
  {
    const out = await build.handler.handle(records, signal);
    const sent = out.filter((m) => m.value.includes('"type":"herald.notification.sent"')).length;
    if (sent !== CHUNK) {
      const topics = {};
      for (const m of out) topics[m.topic] = (topics[m.topic] ?? 0) + 1;
      throw new Error(
        `${build.name}: ${sent} sent of ${CHUNK}: ${JSON.stringify(topics)} ${out[2].value}`,
      );
    }
  }
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

try {
  // Warm-up (JIT, connections), not counted.
  for (let c = 0; c < CHUNKS; c++) for (const build of builds) await runChunk(build);
  // Chunk by chunk, the builds alternated (and which goes first too), so the machine's
  // load falls on both alike; a round's figure is its chunks' CPU ÷ their jobs.
  for (let round = 0; round < ROUNDS; round++) {
    const used = builds.map(() => 0);
    for (let c = 0; c < CHUNKS; c++)
      for (let b = 0; b < builds.length; b++) {
        const k = (round + c) % 2 === 0 ? b : builds.length - 1 - b;
        used[k] += await runChunk(builds[k]);
      }
    builds.forEach((build, k) => build.cpu.push(used[k] / (CHUNKS * CHUNK)));
  }
  const min = (xs) => Math.min(...xs);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const build of builds)
    console.log(
      `${build.name}: CPU µs per job min ${min(build.cpu).toFixed(2)} median ${median(build.cpu).toFixed(2)}; rounds ${build.cpu.map((x) => x.toFixed(2)).join(' ')}`,
    );
  console.log(
    `send: ${stubbed ? 'stub' : 'HTTP'}, leases: ${process.env.LEASES ?? 'redis'}, rate limiter answers: ${rate}`,
  );
  console.log(
    `new ÷ old: min ${(min(builds[1].cpu) / min(builds[0].cpu)).toFixed(3)}, median ${(median(builds[1].cpu) / median(builds[0].cpu)).toFixed(3)}`,
  );
} finally {
  for (const build of builds) await (build.redis.close?.() ?? build.redis.quit());
  await channels.close();
  await tracing.stop();
  await redisServer.remove();
  receiver.send('stop');
}
