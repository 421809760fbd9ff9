import type { Arrival } from './receiver.js';

export interface LatencySummary {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentiles of a list of milliseconds. */
export function latency(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 };
}

export interface SecondBucket {
  readonly second: number;
  readonly delivered: number;
  readonly p99: number;
}

/** Deliveries and p99 latency per second since `start`. */
export function perSecond(arrivals: readonly Arrival[], start: number): SecondBucket[] {
  const buckets = new Map<number, number[]>();
  for (const a of arrivals) {
    const s = Math.floor((a.at - start) / 1000);
    buckets.set(s, [...(buckets.get(s) ?? []), a.at - a.sentAt]);
  }
  const last = Math.max(0, ...buckets.keys());
  return Array.from({ length: last + 1 }, (_, s) => ({
    second: s,
    delivered: buckets.get(s)?.length ?? 0,
    p99: latency(buckets.get(s) ?? []).p99,
  }));
}

/**
 * Sustained throughput: deliveries per second between the 5th and 95th percentile
 * arrival, so start-up and the tail do not dilute it.
 */
export function sustained(arrivals: readonly Arrival[]): number {
  if (arrivals.length < 20) return 0;
  const times = arrivals.map((a) => a.at).sort((a, b) => a - b);
  const from = times[Math.floor(times.length * 0.05)]!;
  const to = times[Math.floor(times.length * 0.95)]!;
  return to > from ? Math.round(((times.length * 0.9) / (to - from)) * 1000) : 0;
}

/** A small terminal chart: one row per second, a bar for throughput and the p99. */
export function asciiPlot(title: string, buckets: readonly SecondBucket[]): string {
  const peak = Math.max(1, ...buckets.map((b) => b.delivered));
  const rows = buckets.map(
    (b) =>
      `${String(b.second).padStart(4)}s ${'█'.repeat(Math.round((b.delivered / peak) * 40)).padEnd(40)} ${String(b.delivered).padStart(6)}/s  p99 ${b.p99} ms`,
  );
  return [`${title} (deliveries per second, p99 event→delivery latency)`, ...rows].join('\n');
}
