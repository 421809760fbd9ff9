// Rate-limit checks/s against the local Redis: GCRA (lua/gcra-N.lua, what Herald uses)
// side by side with a plain sorted-set sliding-window log, in the same run, plus each
// one's accuracy around a window edge. Run: npm run bench -w @herald/ratelimit
// (REDIS_URL defaults to the local stack). Needs a build (dist/).
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RateLimiter } from '../dist/index.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:16379';
const redis = new Redis(url);
const prefix = `bench-${randomBytes(3).toString('hex')}.`;

// The baseline: every admitted request is a member of a sorted set scored by server time.
redis.defineCommand('slidingLog', {
  numberOfKeys: 1,
  lua: `
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
    local window = tonumber(ARGV[1])
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
    if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
      redis.call('ZADD', KEYS[1], now, ARGV[3])
      redis.call('PEXPIRE', KEYS[1], window)
      return 1
    end
    return 0`,
});

const limiter = new RateLimiter(redis, { keyPrefix: prefix, failMode: 'closed' });
const policy = (limit, periodMs, burst) => ({
  id: `b${limit}-${periodMs}-${burst}`,
  scope: 'recipient',
  limit,
  periodMs,
  burst,
  action: 'defer',
  bypassCritical: false,
});
let seq = 0;
const algorithms = {
  gcra: (key, limit, periodMs, burst = 1) =>
    limiter
      .check([{ policy: policy(limit, periodMs, burst), subject: key }])
      .then((d) => d.allowed),
  'gcra burst=limit': (key, limit, periodMs) =>
    limiter
      .check([{ policy: policy(limit, periodMs, limit), subject: key }])
      .then((d) => d.allowed),
  'sorted-set log': (key, limit, periodMs) =>
    redis
      .slidingLog(`${prefix}log:${key}`, periodMs, limit, `${Date.now()}-${seq++}`)
      .then((r) => r === 1),
};

async function throughput(name, check, ms) {
  const end = Date.now() + ms;
  let done = 0;
  const worker = async () => {
    while (Date.now() < end) {
      await check(`k${done % 1000}`, 100, 1_000);
      done++;
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  return (done / ms) * 1000;
}

// Overload around window edges: a request every 10 ms for 3 s, plus bursts of 20 just
// before and just after each second boundary. Limit 10 per 1000 ms.
async function accuracy(check) {
  const key = `edge-${randomBytes(3).toString('hex')}`;
  const start = Date.now();
  const admitted = [];
  const fire = async () => {
    if (await check(key, 10, 1_000)) admitted.push(Date.now() - start);
  };
  const pending = [];
  for (let t = 0; t < 3_000; t += 10) {
    const wait = start + t - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(fire());
    if (t % 1_000 === 990 || t % 1_000 === 0) for (let i = 0; i < 20; i++) pending.push(fire());
  }
  await Promise.all(pending);
  admitted.sort((a, b) => a - b);
  let worst = 0;
  for (const s of admitted)
    worst = Math.max(worst, admitted.filter((t) => t >= s && t < s + 1_000).length);
  return { admitted: admitted.length, worstWindow: worst };
}

const rounds = 2;
const results = Object.fromEntries(Object.keys(algorithms).map((n) => [n, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, check] of Object.entries(algorithms))
    results[name].push(await throughput(name, check, 2_000));
}
console.log(
  `rate-limit checks/s against ${url} (64 concurrent callers, 1000 keys, mean of ${rounds} alternating rounds of 2 s)`,
);
for (const [name, list] of Object.entries(results)) {
  const mean = list.reduce((a, b) => a + b, 0) / list.length;
  console.log(`  ${name.padEnd(18)} ${Math.round(mean).toLocaleString('en')} checks/s`);
}
console.log(
  'accuracy at window edges: limit 10 per 1000 ms, 3 s of overload with bursts of 20 at each boundary',
);
console.log('  (ideal: at most 10 in any 1000 ms window, about 30 admitted in total)');
for (const [name, check] of Object.entries(algorithms)) {
  const a = await accuracy(check);
  console.log(
    `  ${name.padEnd(18)} admitted ${a.admitted}, worst 1000 ms window ${a.worstWindow} (${a.worstWindow <= 10 ? 'within' : 'over'} the limit)`,
  );
}
const keys = await redis.keys(`${prefix}*`);
for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
redis.disconnect();
