// The soak's leak check (issue 18, item 6): pure functions over sampled series, so the
// verdict is unit-tested with synthetic data (e2e/test/soak-leak-check.test.ts).
//
// A series is one process's metric over time: [{ t: ms since start, v: value }].
// Samples in the warm-up (the first `warmupFraction` of the run) are dropped: caches
// fill, the JIT settles and pools open there. On the rest a least-squares line is fitted,
// and its slope is turned into growth:
//   - rate bounds (memory): growth per 10 minutes, or over the measured window when that
//     is shorter (a 3-minute smoke run can only see fast leaks; it must not extrapolate
//     a few seconds of a GC sawtooth into a verdict);
//   - total bounds (fds, handles): growth over the measured window.
// Anonymous RSS is bounded only when at least 10 minutes are measured after warm-up: it
// climbs for minutes while V8's old space and the allocator's arenas grow to the working
// set (the auditor's went 93 → 181 MiB over the first 10 minutes of a 30-minute run, then
// held), so a 3-minute run reports it and leaves the verdict to the long profile.
// The run fails only when growth is above the bound with margin: the slope less two
// standard errors, so a noisy flat series (heap used saw-tooths between collections)
// does not fail and a steady climb does.

const MiB = 1024 * 1024;
const TEN_MINUTES = 600_000;

/** The bounds a soak holds every process to, after warm-up (docs/reliability.md, "Soak"). */
export const defaultLeakBounds = Object.freeze({
  rssAnonBytes: { kind: 'rate', bound: 32 * MiB, unit: 'bytes', minWindowMs: TEN_MINUTES },
  heapUsedBytes: { kind: 'rate', bound: 10 * MiB, unit: 'bytes' },
  fds: { kind: 'total', bound: 50, unit: 'count' },
  handles: { kind: 'total', bound: 50, unit: 'count' },
});

/**
 * Least-squares line through points; slope per ms and its standard error (0 with fewer
 * than three points, where there is no residual to estimate it from).
 *
 * @param {ReadonlyArray<{t: number, v: number}>} points
 */
export function fitLine(points) {
  const n = points.length;
  if (n < 2) return { slope: 0, intercept: n === 1 ? points[0].v : 0, stderr: 0 };
  const meanT = points.reduce((a, p) => a + p.t, 0) / n;
  const meanV = points.reduce((a, p) => a + p.v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.t - meanT) ** 2;
    sxy += (p.t - meanT) * (p.v - meanV);
  }
  if (sxx === 0) return { slope: 0, intercept: meanV, stderr: 0 };
  const slope = sxy / sxx;
  const intercept = meanV - slope * meanT;
  if (n < 3) return { slope, intercept, stderr: 0 };
  const residual = points.reduce((a, p) => a + (p.v - (intercept + slope * p.t)) ** 2, 0);
  return { slope, intercept, stderr: Math.sqrt(residual / (n - 2) / sxx) };
}

/** The samples after warm-up: t at or past start + fraction of the whole span. */
export function afterWarmup(points, warmupFraction) {
  if (points.length === 0) return [];
  const first = points[0].t;
  const last = points[points.length - 1].t;
  const from = first + (last - first) * warmupFraction;
  return points.filter((p) => p.t >= from);
}

const formatValue = (value, unit) =>
  unit === 'bytes' ? `${(value / MiB).toFixed(1)} MiB` : `${Math.round(value)}`;

/**
 * One verdict per process and bounded metric.
 *
 * @param {Record<string, Record<string, ReadonlyArray<{t: number, v: number}>>>} series
 *   process → metric → samples (metrics without a bound are ignored)
 * @param {{ warmupFraction?: number, bounds?: typeof defaultLeakBounds, minSamples?: number }} [options]
 * @returns {Array<{ process: string, metric: string, ok: boolean, samples: number,
 *   windowMs: number, growth: number, bound: number, per: string, message: string }>}
 */
export function leakVerdicts(series, options = {}) {
  const warmupFraction = options.warmupFraction ?? 0.2;
  const bounds = options.bounds ?? defaultLeakBounds;
  const minSamples = options.minSamples ?? 5;
  const verdicts = [];
  for (const [process, metrics] of Object.entries(series)) {
    for (const [metric, points] of Object.entries(metrics)) {
      const limit = bounds[metric];
      if (!limit) continue;
      const kept = afterWarmup(
        points.filter((p) => Number.isFinite(p.v)),
        warmupFraction,
      );
      const windowMs = kept.length > 1 ? kept[kept.length - 1].t - kept[0].t : 0;
      const horizon = limit.kind === 'rate' ? Math.min(windowMs, TEN_MINUTES) : windowMs;
      const per = limit.kind === 'rate' && windowMs >= TEN_MINUTES ? 'per 10 min' : 'over the run';
      if (kept.length < minSamples) {
        verdicts.push({
          process,
          metric,
          ok: false,
          samples: kept.length,
          windowMs,
          growth: NaN,
          bound: limit.bound,
          per,
          message: `${process} ${metric}: only ${kept.length} samples after warm-up (need ${minSamples}); the run was too short or the process did not answer`,
        });
        continue;
      }
      const { slope, stderr } = fitLine(kept);
      const growth = slope * horizon;
      const shown = `${formatValue(growth, limit.unit)} ${per}`;
      if (windowMs < (limit.minWindowMs ?? 0)) {
        verdicts.push({
          process,
          metric,
          ok: true,
          skipped: true,
          samples: kept.length,
          windowMs,
          growth,
          bound: limit.bound,
          per,
          message: `${process} ${metric}: ${shown}, not bounded: ${Math.round(windowMs / 60_000)} min measured after warm-up, ${limit.minWindowMs / 60_000} needed`,
        });
        continue;
      }
      const sureGrowth = (slope - 2 * stderr) * horizon;
      const ok = sureGrowth <= limit.bound;
      verdicts.push({
        process,
        metric,
        ok,
        samples: kept.length,
        windowMs,
        growth,
        bound: limit.bound,
        per,
        message: ok
          ? `${process} ${metric}: ${shown} (bound ${formatValue(limit.bound, limit.unit)})`
          : `${process} ${metric} grows ${shown} after warm-up, beyond the bound of ${formatValue(limit.bound, limit.unit)}: a leak`,
      });
    }
  }
  return verdicts;
}
