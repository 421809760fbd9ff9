// One sample of one running Herald process: what the kernel says (/proc/<pid>: anonymous
// resident memory, open file descriptors) and what the process says on its ops port (/metrics,
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

// Anonymous resident memory (RssAnon: heap, native buffers, stacks), not VmRSS: VmRSS
// also counts file-backed pages (node's own binary, mapped code) that the kernel drops
// and maps back with the machine's page-cache pressure, which moves it by 50-100 MiB in
// every process at once on a busy machine; a leak grows the anonymous part.
async function procRssAnon(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^RssAnon:\s+(\d+) kB/m.exec(status);
  return kb ? Number(kb[1]) * 1024 : NaN;
}

/**
 * @param {{ pid: number, opsUrl: string }} target
 * @returns {Promise<{ rssAnonBytes: number, fds: number, heapUsedBytes: number, handles: number, eventLoopDelayMs: number }>}
 *   NaN for whatever could not be read (the process is gone or did not answer in 3 s)
 */
export async function sampleProcess({ pid, opsUrl }) {
  const [rssAnonBytes, fds, text] = await Promise.all([
    procRssAnon(pid).catch(() => NaN),
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
    rssAnonBytes,
    fds,
    heapUsedBytes: metricValue(text, 'nodejs_heap_size_used_bytes'),
    handles: metricValue(text, 'nodejs_active_handles_total'),
    // prom-client resets its event-loop histogram after each scrape: p99 since the last one.
    eventLoopDelayMs: metricValue(text, 'nodejs_eventloop_lag_p99_seconds') * 1000,
  };
}
