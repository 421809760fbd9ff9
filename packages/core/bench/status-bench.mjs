// A status record's CPU, old and new builds of @herald/core side by side in one run
// (issue 19, round 6): `statusMessage(statusEventFor(job, state, source, now))`, what the
// router (`queued`, per planned job) and the worker (`sent`, per delivery) do per status,
// and `deterministicId` alone. Two job shapes: "router" (the job as planning built it:
// its notification id fresh from deterministicId) and "worker" (the job as JSON.parse
// decoded it from its record). Prints CPU ns per status (process.cpuUsage, user + system),
// the minimum over the rounds, rounds alternated old/new so drift hits both alike.
// Run (after `npx turbo run build --filter=@herald/core` in both checkouts):
//   node packages/core/bench/status-bench.mjs --base /path/to/other/checkout [--rounds 9] [--count 100000]
// Without --base it measures this build only. Stops by itself.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    rounds: { type: 'string', default: '9' },
    count: { type: 'string', default: '100000' },
  },
});
const rounds = Number(opts.rounds);
const count = Number(opts.count);
const now = new Date('2026-12-06T12:00:01.000Z');

// bench/e2e's webhook job (one per event), as planning builds it.
function jobOf(core, i) {
  const eventId = `0b6f7a0e-2f55-4a5b-9b77-${String(i).padStart(12, '0')}`;
  return {
    notificationId: core.deterministicId(
      eventId,
      `bench-${i % 100}`,
      'hooks.example.com/hooks/1',
      'webhook',
    ),
    tenant: 'bench',
    event: {
      specversion: '1.0',
      id: eventId,
      source: 'bench/orders',
      type: `bench.type-${i % 100}`,
      time: '2026-12-06T12:00:00.000Z',
      subject: `customer/c-${i % 5000}`,
      data: {
        sentAt: 1,
        orderId: i,
        total: 12,
        currency: 'EUR',
        customer: { id: 'c-1', tier: 'gold' },
      },
    },
    rule: { id: `bench-${i % 100}`, version: 1 },
    channel: 'webhook',
    recipient: { ref: 'hooks.example.com/hooks/1', address: 'https://hooks.example.com/hooks/1' },
    attempt: 1,
    plannedAt: '2026-12-06T12:00:00.500Z',
    producedAt: '2026-12-06T12:00:00.100Z',
  };
}

async function side(name, root) {
  const core = await import(new URL('packages/core/dist/index.js', `file://${root}/`).href);
  // Both shapes hold the decoded event's strings (JSON.parse makes them flat, as the
  // router's decoder and the worker's do); the router's notification id is fresh.
  const worker = Array.from({ length: count }, (_, i) =>
    JSON.parse(JSON.stringify(jobOf(core, i))),
  );
  const router = worker.map((job, i) => ({
    ...job,
    notificationId: jobOf(core, i).notificationId,
  }));
  const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
  const parts = {
    'router queued': () => {
      for (const job of router)
        core.statusMessage(core.statusEventFor(job, 'queued', 'herald/router', now), trace);
    },
    'worker sent': () => {
      for (const job of worker)
        core.statusMessage(
          core.statusEventFor(job, 'sent', 'herald/worker', now, {
            attemptStartedAt: '2026-12-06T12:00:00.900Z',
            provider: { statusCode: 200 },
          }),
          trace,
        );
    },
    deterministicId: () => {
      for (const job of worker) core.deterministicId(job.notificationId, 'sent', '1');
    },
  };
  return { name, parts, ns: {} };
}

const here = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const sides = [await side('new', here)];
if (opts.base !== undefined) sides.unshift(await side('old', opts.base.replace(/\/$/, '')));
for (let round = -2; round < rounds; round++)
  // two warm-up rounds first
  for (const s of round % 2 === 0 ? sides : [...sides].reverse())
    for (const [part, run] of Object.entries(s.parts)) {
      globalThis.gc?.();
      const before = process.cpuUsage();
      run();
      const used = process.cpuUsage(before);
      if (round >= 0) (s.ns[part] ??= []).push(((used.user + used.system) * 1000) / count);
    }
console.log(`${count} statuses × ${rounds} rounds, CPU ns per status (min; median)`);
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const part of Object.keys(sides[0].parts)) {
  const line = sides.map(
    (s) => `${s.name} ${Math.min(...s.ns[part]).toFixed(0)}; ${med(s.ns[part]).toFixed(0)}`,
  );
  const ratio =
    sides.length === 2
      ? `  new/old ${(Math.min(...sides[1].ns[part]) / Math.min(...sides[0].ns[part])).toFixed(3)}`
      : '';
  console.log(`${part.padEnd(16)} ${line.join('  |  ')}${ratio}`);
}
