/**
 * The worker's CPU per job with and without the legacy `sending` status
 * (HERALD_WORKER_SENDING_STATUS, `PipelineDeps.sendingStatus`): chunks of fresh webhook
 * jobs through the real pipeline (`createChunkHandler` over `createDeliveryPipeline`),
 * with ports that answer at once (a provider that accepts, leases in memory), so what
 * differs is the pipeline's own work: building, serialising and returning one status
 * more per send. Prints CPU µs per job of this process, status records and bytes per
 * job, per variant: the minimum and median over the rounds, variants alternated within
 * each round (which goes first alternates too).
 *
 *   node bench/sending-status.mjs [rounds=9] [chunks=40]
 */
import { performance } from 'node:perf_hooks';
import { encodeDeliveryJob, silentLogger, topicNames } from '@herald/core';
import {
  BreakerRegistry,
  createChunkHandler,
  createDeliveryPipeline,
  defaultRetryPolicies,
} from '../dist/index.js';

const ROUNDS = Number(process.argv[2] ?? 9);
const CHUNKS = Number(process.argv[3] ?? 40);
const CHUNK = 500;
const topics = topicNames('bench.');
const NOW = Date.parse('2030-01-01T00:00:00.000Z');

/** A lease store in memory: every job is fresh, its mark is kept. */
function memoryLeases() {
  const marks = new Map();
  return {
    acquire: async () => ({ status: 'acquired' }),
    acquireMany: async (requests) => requests.map(() => ({ status: 'acquired' })),
    completeMany: async (done) => {
      for (const m of done) marks.set(m.notificationId, m.summary);
    },
    release: async () => undefined,
  };
}

function handlerFor(sendingStatus) {
  let now = NOW;
  const pipeline = createDeliveryPipeline({
    topics,
    channels: {
      providerFor: () => ({ name: 'webhook' }),
      send: async () => ({ status: 'sent', provider: { statusCode: 204 } }),
    },
    retryPolicies: defaultRetryPolicies,
    breakers: new BreakerRegistry(undefined, () => now),
    idempotency: memoryLeases(),
    sendingStatus,
    instanceId: 'bench',
    poisonMaxTries: 3,
    maxRecordBytes: 1_000_000,
    recordSize: (m) => ({ fits: true, bytes: m.value.length }),
    log: silentLogger,
    // Time moves on by a millisecond per reading, as it does in a worker.
    now: () => new Date((now += 1)),
    random: () => 0.5,
  });
  return createChunkHandler(pipeline, { concurrency: 64 });
}

let serial = 0;
function chunk() {
  const base = serial;
  serial += CHUNK;
  return Array.from({ length: CHUNK }, (_, i) => {
    const n = base + i;
    const job = {
      notificationId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      event: {
        id: `e${n}`,
        source: 'bench',
        type: 'order.shipped',
        time: '2029-12-31T23:59:00.000Z',
      },
      tenant: 'acme',
      rule: { id: 'r', version: 1 },
      channel: 'webhook',
      recipient: { ref: `r${n % 1000}`, address: 'https://example.com/h' },
      priority: 'normal',
      attempt: 1,
      payload: { orderId: n, items: [1, 2, 3] },
      plannedAt: '2029-12-31T23:59:00.000Z',
      producedAt: '2029-12-31T23:59:00.000Z',
    };
    return {
      topic: topics.deliveries('webhook'),
      partition: n % 6,
      offset: String(n),
      timestamp: NOW,
      key: Buffer.from(job.recipient.ref),
      value: encodeDeliveryJob(job),
      headers: {},
    };
  });
}

const variants = [
  { name: 'sending on (old)', handler: handlerFor(true), cpu: [], statuses: 0, bytes: 0, jobs: 0 },
  {
    name: 'sending off (new)',
    handler: handlerFor(false),
    cpu: [],
    statuses: 0,
    bytes: 0,
    jobs: 0,
  },
];
const signal = new AbortController().signal;

async function roundOf(variant) {
  const chunks = Array.from({ length: CHUNKS }, chunk); // built outside the measured time
  const before = process.cpuUsage();
  for (const records of chunks) {
    const out = await variant.handler.handle(records, signal);
    for (const m of out)
      if (m.topic === topics.status) {
        variant.statuses++;
        variant.bytes += m.value.length;
      }
  }
  const used = process.cpuUsage(before);
  variant.jobs += CHUNKS * CHUNK;
  variant.cpu.push((used.user + used.system) / (CHUNKS * CHUNK));
}

// Warm-up (JIT) for both, not counted.
for (const v of variants) await roundOf(v);
for (const v of variants) Object.assign(v, { cpu: [], statuses: 0, bytes: 0, jobs: 0 });
const started = performance.now();
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? variants : [...variants].reverse();
  for (const v of order) await roundOf(v);
}
const min = (xs) => Math.min(...xs);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `${ROUNDS} rounds of ${CHUNKS} chunks of ${CHUNK} jobs, ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
for (const v of variants)
  console.log(
    `${v.name}: CPU µs/job min ${min(v.cpu).toFixed(1)} median ${median(v.cpu).toFixed(1)}; ` +
      `status records/job ${(v.statuses / v.jobs).toFixed(2)}, status bytes/job ${Math.round(v.bytes / v.jobs)}; ` +
      `rounds ${v.cpu.map((x) => x.toFixed(1)).join(' ')}`,
  );
