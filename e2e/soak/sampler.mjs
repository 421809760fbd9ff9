// One sample of one running Herald process: what the kernel says (/proc/<pid>: resident
// memory, open file descriptors) and what the process says on its ops port (/metrics,
// prom-client's default metrics: heap used, active handles, event-loop delay).
/* global fetch */
import { readFile, readdir } from 'node:fs/promises';

/**
 * The value of Prometheus sample `name` in exposition text (its first series: Herald's
 * apps label every sample with their own `app` only), or NaN.
 */
export function metricValue(text, name) {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    return Number(
      rest
        .slice(rest.indexOf('}') + 1)
        .trim()
        .split(' ')[0],
    );
  }
  return NaN;
}

async function procRss(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return kb ? Number(kb[1]) * 1024 : NaN;
}

/**
 * @param {{ pid: number, opsUrl: string }} target
 * @returns {Promise<{ rssBytes: number, fds: number, heapUsedBytes: number, handles: number, eventLoopDelayMs: number }>}
 *   NaN for whatever could not be read (the process is gone or did not answer in 3 s)
 */
export async function sampleProcess({ pid, opsUrl }) {
  const [rssBytes, fds, text] = await Promise.all([
    procRss(pid).catch(() => NaN),
    readdir(`/proc/${pid}/fd`).then(
      (entries) => entries.length,
      () => NaN,
    ),
    fetch(`${opsUrl}/metrics`, { signal: AbortSignal.timeout(3000) }).then(
      (res) => (res.ok ? res.text() : ''),
      () => '',
    ),
  ]);
  return {
    rssBytes,
    fds,
    heapUsedBytes: metricValue(text, 'nodejs_heap_size_used_bytes'),
    handles: metricValue(text, 'nodejs_active_handles_total'),
    // prom-client resets its event-loop histogram after each scrape: p99 since the last one.
    eventLoopDelayMs: metricValue(text, 'nodejs_eventloop_lag_p99_seconds') * 1000,
  };
}
