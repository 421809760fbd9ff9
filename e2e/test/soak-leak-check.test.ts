/**
 * The soak's leak check on synthetic series (no services): a flat series with noise
 * passes, steady growth fails naming the process and the metric, a warm-up spike passes.
 */
import { defaultLeakBounds, fitLine, leakVerdicts, type Point } from '../lib/leak-check.mjs';

const MiB = 1024 * 1024;
const minute = 60_000;

/** Samples every `everyMs` for `durationMs`, value = f(t) plus a deterministic wobble. */
function series(durationMs: number, everyMs: number, f: (t: number) => number, wobble = 0) {
  const points: Point[] = [];
  for (let t = 0, i = 0; t <= durationMs; t += everyMs, i++)
    points.push({ t, v: f(t) + wobble * Math.sin(i * 1.7) * Math.cos(i * 0.3) });
  return points;
}

it('fits a line: slope per ms and no error on exact points', () => {
  const fit = fitLine([
    { t: 0, v: 10 },
    { t: 1000, v: 20 },
    { t: 2000, v: 30 },
  ]);
  expect(fit.slope).toBeCloseTo(0.01);
  expect(fit.intercept).toBeCloseTo(10);
  expect(fit.stderr).toBeCloseTo(0);
});

it('a flat, noisy 30-minute run passes every bound', () => {
  // Heap used saw-tooths by ±8 MiB between collections; RSS and fds hold steady.
  const verdicts = leakVerdicts({
    worker: {
      heapUsedBytes: series(30 * minute, 15_000, () => 60 * MiB, 8 * MiB),
      rssAnonBytes: series(30 * minute, 15_000, () => 150 * MiB, 4 * MiB),
      fds: series(30 * minute, 15_000, () => 40, 2),
      handles: series(30 * minute, 15_000, () => 12, 1),
      eventLoopDelayMs: series(30 * minute, 15_000, (t) => t), // unbounded: ignored
    },
  });
  expect(verdicts.map((v) => [v.metric, v.ok])).toEqual([
    ['heapUsedBytes', true],
    ['rssAnonBytes', true],
    ['fds', true],
    ['handles', true],
  ]);
});

it('steady heap growth fails with a message naming the process and the metric', () => {
  // 2 MiB a minute = 20 MiB per 10 minutes, twice the bound, under the same noise.
  const verdicts = leakVerdicts({
    router: { heapUsedBytes: series(30 * minute, 15_000, () => 50 * MiB, 8 * MiB) },
    auditor: {
      heapUsedBytes: series(30 * minute, 15_000, (t) => 50 * MiB + (t / minute) * 2 * MiB, 8 * MiB),
    },
  });
  const failed = verdicts.filter((v) => !v.ok);
  expect(failed).toHaveLength(1);
  expect(failed[0]).toMatchObject({
    process: 'auditor',
    metric: 'heapUsedBytes',
    per: 'per 10 min',
  });
  expect(failed[0]!.growth / MiB).toBeCloseTo(20, 0);
  expect(failed[0]!.message).toMatch(
    /^auditor heapUsedBytes grows 20\.\d MiB per 10 min .*10\.0 MiB/,
  );
});

it('file descriptors that keep opening fail over the run, however short', () => {
  // One socket a second leaked for 3 minutes: 180 past the warm-up's 36 s.
  const [fds] = leakVerdicts({
    api: { fds: series(3 * minute, 5000, (t) => 30 + Math.floor(t / 1000)) },
  });
  expect(fds).toMatchObject({ process: 'api', metric: 'fds', ok: false, per: 'over the run' });
  expect(fds!.message).toMatch(/api fds grows 14\d over the run/);
});

it('a spike in the warm-up passes: only what comes after it counts', () => {
  // Caches fill in the first 5 minutes (+150 MiB), then the heap holds.
  const warm = (t: number) => 40 * MiB + Math.min(t, 5 * minute) * ((30 * MiB) / minute);
  const verdicts = leakVerdicts({
    router: {
      heapUsedBytes: series(30 * minute, 15_000, warm, 2 * MiB),
      fds: series(30 * minute, 15_000, (t) => (t < 5 * minute ? 10 + t / 1000 : 310)),
    },
  });
  expect(verdicts.every((v) => v.ok)).toBe(true);
  // Without the warm-up cut the same spike is a leak.
  expect(
    leakVerdicts(
      { router: { heapUsedBytes: series(30 * minute, 15_000, warm) } },
      {
        warmupFraction: 0,
      },
    )[0]!.ok,
  ).toBe(false);
});

it('a short run does not extrapolate to 10 minutes: its growth is what it measured', () => {
  // 4 MiB over a 3-minute run is 13 MiB per 10 min extrapolated; after the warm-up it measured 3.1.
  const [heap] = leakVerdicts({
    gateway: {
      heapUsedBytes: series(3 * minute, 5000, (t) => 40 * MiB + (t / minute) * (4 / 3) * MiB),
    },
  });
  expect(heap).toMatchObject({ ok: true, per: 'over the run' });
  expect(heap!.growth / MiB).toBeCloseTo(3.1, 1);
});

it('anonymous RSS is judged only on 10 minutes or more after warm-up: it settles over minutes', () => {
  // The auditor's RSS climbed about 10 MiB a minute for its first 10 minutes, then held.
  const settling = (t: number) => 90 * MiB + Math.min(t, 10 * minute) * ((10 * MiB) / minute);
  const [short] = leakVerdicts({ auditor: { rssAnonBytes: series(3 * minute, 5000, settling) } });
  expect(short).toMatchObject({ ok: true, skipped: true });
  expect(short!.message).toMatch(/not bounded: 2 min measured after warm-up, 10 needed/);
  // The same climb kept up for 30 minutes fails; settling in the warm-up passes.
  const climbing = (t: number) => 90 * MiB + (t / minute) * 10 * MiB;
  expect(
    leakVerdicts({ auditor: { rssAnonBytes: series(30 * minute, 15_000, climbing) } })[0],
  ).toMatchObject({ ok: false, per: 'per 10 min' });
  const settled = (t: number) => 90 * MiB + Math.min(t, 5 * minute) * ((10 * MiB) / minute);
  expect(
    leakVerdicts({ auditor: { rssAnonBytes: series(30 * minute, 15_000, settled) } })[0],
  ).toMatchObject({ ok: true });
  expect(short!.skipped).toBe(true);
});

it('too few samples after warm-up fail: a run that measured nothing proves nothing', () => {
  const [v] = leakVerdicts({ worker: { rssAnonBytes: series(20_000, 10_000, () => MiB) } });
  expect(v).toMatchObject({ ok: false, samples: 2 });
  expect(v!.message).toMatch(/only 2 samples after warm-up \(need 5\)/);
  expect(defaultLeakBounds.heapUsedBytes!.bound).toBe(10 * MiB);
});
