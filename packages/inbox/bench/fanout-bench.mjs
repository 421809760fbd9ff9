// Fan-out mechanisms for the inbox's live notes, measured side by side in one run:
// Redis Pub/Sub, Redis Streams (XADD / XREAD BLOCK) and Postgres LISTEN/NOTIFY.
// For each: publish→receive latency p50/p99/max at a paced rate (default 5,000 msg/s
// for 5 s), then the unpaced rate (as fast as one publisher process can, 20,000 notes).
// A note is ~300 bytes of JSON, spread over 100 subscriber channels like a gateway
// holding 100 users. Publisher and receiver are in this process (one clock).
// Run: npm run bench -w @herald/inbox [-- --rate 5000 --seconds 5]
// (REDIS_URL / DATABASE_URL default to the local stack). Bounded: stops by itself.
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rate = arg('rate', 5000);
const seconds = arg('seconds', 5);
const burst = arg('burst', 20_000);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:16379';
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://herald:herald@127.0.0.1:15432/herald';
const tag = randomBytes(3).toString('hex');
const CHANNELS = 100;

const note = (i) =>
  JSON.stringify({
    tenant: 'acme',
    subscriber: `user-${i % CHANNELS}`,
    seq: i,
    kind: 'message',
    t: performance.now(),
    message: {
      id: `n-${i}`,
      title: 'Task 42 is 40% done',
      body: 'Copying files (3 of 8)',
      tags: ['tasks'],
    },
  });

/** Receives until `count` notes arrived or the deadline; latencies in ms. */
function collector(count, timeoutMs) {
  const latencies = [];
  let resolve;
  const done = new Promise((r) => (resolve = r));
  const timer = setTimeout(() => resolve(), timeoutMs);
  return {
    done,
    receive(text) {
      latencies.push(performance.now() - JSON.parse(text).t);
      if (latencies.length >= count) {
        clearTimeout(timer);
        resolve();
      }
    },
    latencies,
  };
}

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Sends `total` notes at `perSecond` (or unpaced), returns the achieved publish rate. */
async function drive(publish, total, perSecond) {
  const start = performance.now();
  const tick = 10;
  const perTick = perSecond ? Math.max(1, Math.round((perSecond * tick) / 1000)) : 500;
  let sent = 0;
  while (sent < total) {
    const batch = [];
    for (let k = 0; k < perTick && sent < total; k++) batch.push(publish(note(sent++)));
    await Promise.all(batch);
    if (perSecond) {
      const due = start + (sent / perSecond) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }
  return (total / (performance.now() - start)) * 1000;
}

async function measure(name, setup) {
  const rows = [];
  for (const [label, total, perSecond] of [
    [`${rate}/s paced`, rate * seconds, rate],
    ['unpaced', burst, 0],
  ]) {
    const c = collector(total, 30_000 + seconds * 1000);
    const { publish, close } = await setup((text) => c.receive(text));
    const started = performance.now();
    const sentRate = await drive(publish, total, perSecond);
    await c.done;
    const elapsed = (performance.now() - started) / 1000;
    await close();
    const sorted = [...c.latencies].sort((a, b) => a - b);
    rows.push({
      mechanism: name,
      run: label,
      'published/s': Math.round(sentRate),
      'received/s': Math.round(c.latencies.length / elapsed),
      received: `${c.latencies.length}/${total}`,
      'p50 ms': pct(sorted, 50).toFixed(2),
      'p99 ms': pct(sorted, 99).toFixed(2),
      'max ms': (sorted.at(-1) ?? NaN).toFixed(1),
    });
  }
  return rows;
}

async function redisPubSub(receive) {
  const pub = new Redis(redisUrl, { enableAutoPipelining: true });
  const sub = new Redis(redisUrl);
  const channels = Array.from({ length: CHANNELS }, (_, i) => `bench-${tag}:inbox:user-${i}`);
  sub.on('message', (_channel, text) => receive(text));
  await sub.subscribe(...channels);
  return {
    publish: (text) => pub.publish(`bench-${tag}:inbox:${JSON.parse(text).subscriber}`, text),
    close: async () => {
      await sub.unsubscribe();
      sub.disconnect();
      pub.disconnect();
    },
  };
}

async function redisStreams(receive) {
  const pub = new Redis(redisUrl, { enableAutoPipelining: true });
  const sub = new Redis(redisUrl);
  const key = `bench-${tag}:inbox-stream`;
  let stopped = false;
  let last = '$';
  const loop = (async () => {
    while (!stopped) {
      const res = await sub.xread('COUNT', 1000, 'BLOCK', 200, 'STREAMS', key, last);
      for (const [, entries] of res ?? []) {
        for (const [id, fields] of entries) {
          last = id;
          receive(fields[1]);
        }
      }
    }
  })();
  await new Promise((r) => setTimeout(r, 50)); // the first XREAD is blocking before we add
  return {
    publish: (text) => pub.xadd(key, 'MAXLEN', '~', '100000', '*', 'n', text),
    close: async () => {
      stopped = true;
      await loop;
      await pub.del(key);
      sub.disconnect();
      pub.disconnect();
    },
  };
}

async function postgresNotify(receive) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  const listener = new pg.Client({ connectionString: databaseUrl });
  await listener.connect();
  const channel = `bench_${tag}`;
  listener.on('notification', (n) => receive(n.payload));
  await listener.query(`LISTEN ${channel}`);
  return {
    publish: (text) => pool.query('select pg_notify($1, $2)', [channel, text]),
    close: async () => {
      await listener.end();
      await pool.end();
    },
  };
}

const rows = [
  ...(await measure('redis pub/sub', redisPubSub)),
  ...(await measure('redis streams', redisStreams)),
  ...(await measure('postgres notify', postgresNotify)),
];
console.table(rows);
