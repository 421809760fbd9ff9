// Preloaded into a Herald app by the e2e bench (`--app-env NODE_OPTIONS=--import=<this file>,
// BENCH_STALL_LOG=<file>`) to see, after a run, when each app paused: every garbage
// collection (PerformanceObserver 'gc') and every moment its event loop ran late by more
// than 20 ms (a 10 ms timer that fired late: a long synchronous task, or the process not
// scheduled on a core). One JSON line each, wall-clock ms, appended to the file;
// hop-breakdown.ts lines them up with the slowest deliveries. No app code is touched.
import { appendFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { appName } from './app-name.mjs';

const file = process.env.BENCH_STALL_LOG;
if (file) {
  const app = appName();
  const lines = [];
  const flush = () => {
    if (lines.length > 0) appendFileSync(file, lines.splice(0).join(''));
  };
  const origin = performance.timeOrigin;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      lines.push(
        `${JSON.stringify({ app, what: `gc-${e.detail?.kind ?? '?'}`, at: Math.round(origin + e.startTime), ms: Math.round(e.duration * 10) / 10 })}\n`,
      );
    }
  }).observe({ entryTypes: ['gc'] });
  let expected = Date.now() + 10;
  setInterval(() => {
    const now = Date.now();
    const late = now - expected;
    if (late > 20) lines.push(`${JSON.stringify({ app, what: 'late', at: expected, ms: late })}\n`);
    expected = now + 10;
  }, 10).unref();
  setInterval(flush, 1_000).unref();
  process.on('exit', flush);
}
