/**
 * Where a delivery's time goes, hop by hop (`main.ts --hops`, issue 19 item 5): after a
 * Herald run, before its topics are deleted, herald.status is read back and each
 * delivered notification's time (event produced → webhook at the receiver) is cut at the
 * moments the pipeline itself recorded:
 *
 *   route       event produced → the router planned its job (`queued` occurredAt): the
 *               producer's send, the broker, the router's fetch and its chunk up to planning
 *   router-out  planned → the router's produce began (the `queued` record's timestamp): the
 *               rest of the router's chunk (hold-back, encoding, the other events' jobs)
 *   to-worker   produce began → the worker began the attempt (`sending` occurredAt): the
 *               router's acks -1, the worker's fetch, the worker's previous chunk still
 *               running, this chunk's lease round trip
 *     held      of which: until the worker began producing the chunk before this job's
 *               (the worker was busy with earlier jobs; chunks are told apart by their
 *               `sent` records' timestamps, one per produced batch)
 *     pickup    of which the rest: that produce's acks, the fetch, this chunk's lease
 *   send        attempt began → the receiver has the request (signing, the HTTP send)
 *
 * and, off the delivery path but holding the worker's next chunk back,
 *   chunk-tail  this send done (`sent` occurredAt) → the worker's produce of the chunk began
 *               (the `sent` record's timestamp): the chunk waiting for its slowest job and
 *               the sent marks.
 *
 * All clocks are this machine's (Date.now() in every process). Printed: each segment's
 * p50 / p95 / p99 / max over all deliveries, and its mean over the slowest 1 % of
 * deliveries (the tail) against its mean over all: the segment whose mean grows in the
 * tail owns it.
 */
import { readFileSync } from 'node:fs';
import type { Kafka } from 'kafkajs';
import type { Arrival } from './receiver.js';
import { latency } from './stats.js';

export interface StatusTimes {
  eventAt?: number;
  queuedAt?: number;
  queuedRecordAt?: number;
  sendingAt?: number;
  sentAt?: number;
  sentRecordAt?: number;
}

interface StatusData {
  readonly notificationId?: string;
  readonly state?: string;
  readonly eventTime?: string;
  readonly occurredAt?: string;
}

export const SEGMENTS = [
  'route',
  'router-out',
  'to-worker',
  '  held',
  '  pickup',
  'send',
  'chunk-tail',
] as const;
export type Segment = (typeof SEGMENTS)[number];

/** One delivery's segments (ms) and its total, as the receiver measured it. */
export interface Breakdown {
  readonly total: number;
  readonly segments: Record<Segment, number>;
}

/** Reads every status of `topic` (a run's own) until each id of `arrivals` has its `sent`. */
export async function readStatusTimes(
  kafka: Kafka,
  topic: string,
  arrivals: readonly Arrival[],
  timeoutMs = 60_000,
): Promise<Map<string, StatusTimes>> {
  const wanted = new Set(arrivals.map((a) => a.id));
  const times = new Map<string, StatusTimes>();
  let complete = 0;
  const consumer = kafka.consumer({ groupId: `${topic}-hops-${Date.now()}`, maxBytes: 16 << 20 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done: () => void = () => undefined;
    const allSent = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (!message.value) continue;
          const data = (JSON.parse(message.value.toString()) as { data?: StatusData }).data;
          const id = data?.notificationId;
          if (!id || !wanted.has(id) || !data.occurredAt) continue;
          const t = times.get(id) ?? {};
          times.set(id, t);
          const at = Date.parse(data.occurredAt);
          const recordAt = Number(message.timestamp);
          if (data.eventTime) t.eventAt = Date.parse(data.eventTime);
          if (data.state === 'queued') [t.queuedAt, t.queuedRecordAt] = [at, recordAt];
          else if (data.state === 'sending') t.sendingAt = at;
          else if (data.state === 'sent' && t.sentAt === undefined) {
            [t.sentAt, t.sentRecordAt] = [at, recordAt];
            if (++complete >= wanted.size) done();
          }
        }
      },
    });
    await Promise.race([allSent, new Promise((r) => setTimeout(r, timeoutMs))]);
  } finally {
    await consumer.disconnect();
  }
  return times;
}

/** Each arrival cut at its statuses' moments (arrivals whose statuses are incomplete are left out). */
export function breakdowns(
  arrivals: readonly Arrival[],
  times: ReadonlyMap<string, StatusTimes>,
): Breakdown[] {
  const out: Breakdown[] = [];
  const produced = chunkProduces(times);
  for (const a of arrivals) {
    const t = times.get(a.id);
    if (
      t?.queuedAt === undefined ||
      t.queuedRecordAt === undefined ||
      t.sendingAt === undefined ||
      t.sentAt === undefined ||
      t.sentRecordAt === undefined
    )
      continue;
    const toWorker = t.sendingAt - t.queuedRecordAt;
    const previous = produced.previous(t.sentRecordAt);
    const held =
      previous === undefined ? 0 : Math.min(toWorker, Math.max(0, previous - t.queuedRecordAt));
    out.push({
      total: a.at - a.sentAt,
      segments: {
        route: t.queuedAt - a.sentAt,
        'router-out': t.queuedRecordAt - t.queuedAt,
        'to-worker': toWorker,
        '  held': held,
        '  pickup': toWorker - held,
        send: a.at - t.sendingAt,
        'chunk-tail': t.sentRecordAt - t.sentAt,
      },
    });
  }
  return out;
}

/**
 * The worker's chunks, told apart by the timestamps of their `sent` records (the
 * producer stamps each batch when it builds it; a chunk's batches within 2 ms of each
 * other are one produce): each produce's start, and the one before a given one.
 */
export function chunkProduces(times: ReadonlyMap<string, StatusTimes>) {
  const stamps = [...times.values()]
    .map((t) => t.sentRecordAt)
    .filter((t): t is number => t !== undefined)
    .sort((a, b) => a - b);
  const starts: number[] = [];
  const sizes: number[] = [];
  for (const at of stamps) {
    if (starts.length > 0 && at - starts[starts.length - 1]! <= 2) sizes[sizes.length - 1]!++;
    else [starts[starts.length], sizes[sizes.length]] = [at, 1];
  }
  return {
    starts,
    sizes,
    /** The start of the produce before the one that sent at `at`. */
    previous(at: number): number | undefined {
      let lo = 0;
      let hi = starts.length - 1;
      let own = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (starts[mid]! <= at) [own, lo] = [mid, mid + 1];
        else hi = mid - 1;
      }
      return own > 0 ? starts[own - 1] : undefined;
    },
  };
}

/** The worker's chunks: jobs per chunk and time between chunks' produces. */
export function chunkTable(
  times: ReadonlyMap<string, StatusTimes>,
  start: number,
  stalls: readonly Stall[] = [],
): string {
  const { starts, sizes } = chunkProduces(times);
  const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
  const sz = latency(sizes);
  const gap = latency(gaps);
  // The longest gaps: when, the chunk that ended them, and what the worker logged meanwhile.
  const longest = gaps
    .map((ms, i) => ({ ms, from: starts[i]!, size: sizes[i + 1]! }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5)
    .map(
      (g) =>
        `${((g.from - start) / 1000).toFixed(2)} s +${g.ms} ms → ${g.size} jobs (${stallSummary(stalls.filter((p) => p.app === 'worker' && p.at >= g.from && p.at <= g.from + g.ms)) || 'no worker pauses'})`,
    );
  return [
    `worker chunks: ${starts.length}; jobs per chunk p50 / p95 / p99 / max ${sz.p50} / ${sz.p95} / ${sz.p99} / ${sz.max}; ms between produces ${gap.p50} / ${gap.p95} / ${gap.p99} / ${gap.max}`,
    ...longest.map((l) => `  gap ${l}`),
  ].join('\n');
}

const mean = (values: readonly number[]) =>
  values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;

/** The table `--hops` prints: per segment, percentiles over all, and mean over all vs the slowest 1 %. */
export function breakdownTable(all: readonly Breakdown[]): string {
  const sorted = [...all].sort((a, b) => a.total - b.total);
  const tail = sorted.slice(Math.floor(sorted.length * 0.99));
  const row = (name: string, pick: (b: Breakdown) => number) => {
    const l = latency(all.map(pick));
    return `| ${name} | ${l.p50} / ${l.p95} / ${l.p99} / ${l.max} | ${mean(all.map(pick)).toFixed(1)} | ${mean(tail.map(pick)).toFixed(1)} |`;
  };
  return [
    `hop breakdown of ${all.length} deliveries (slowest 1 %: ${tail.length}, total ≥ ${tail[0]?.total ?? 0} ms)`,
    '| segment | p50 / p95 / p99 / max ms | mean, all | mean, slowest 1 % |',
    '| --- | --- | --- | --- |',
    row('total', (b) => b.total),
    ...SEGMENTS.map((s) => row(s, (b) => b.segments[s])),
  ].join('\n');
}

/**
 * Is the tail the auditor's? Each delivery is placed by its event's produce time after
 * the last audit write that had begun (`writes`: the start times of the auditor's
 * transactions, status_events.recorded_at = now() of each), in 100 ms bins: if the
 * auditor's bursts take the cores, deliveries that start just after a write are slower.
 */
export function afterWriteTable(arrivals: readonly Arrival[], writes: readonly number[]): string {
  const sorted = [...writes].sort((a, b) => a - b);
  const bins = new Map<number, number[]>();
  for (const a of arrivals) {
    // Last write begun at or before the event was produced (binary search).
    let lo = 0;
    let hi = sorted.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! <= a.sentAt) [found, lo] = [mid, mid + 1];
      else hi = mid - 1;
    }
    if (found < 0) continue;
    const bin = Math.min(10, Math.floor((a.sentAt - sorted[found]!) / 100));
    bins.set(bin, [...(bins.get(bin) ?? []), a.at - a.sentAt]);
  }
  return [
    `deliveries by their event's time after the auditor's last write began (${sorted.length} writes)`,
    '| after write | deliveries | p50 / p95 / p99 ms |',
    '| --- | --- | --- |',
    ...[...bins.keys()]
      .sort((a, b) => a - b)
      .map((b) => {
        const l = latency(bins.get(b)!);
        return `| ${b === 10 ? '≥ 1,000' : `${b * 100}–${b * 100 + 99}`} ms | ${bins.get(b)!.length} | ${l.p50} / ${l.p95} / ${l.p99} |`;
      }),
  ].join('\n');
}

/** A pause an app logged (preload/stall-log.mjs): a GC or its event loop running late. */
export interface Stall {
  readonly app: string;
  readonly what: string;
  readonly at: number;
  readonly ms: number;
}

/** The stall log's lines between `from` and `to` (wall-clock ms). */
export function readStalls(file: string, from: number, to: number): Stall[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Stall)
    .filter((s) => s.at >= from && s.at <= to);
}

/** Pauses per app and kind: how many, total ms, longest. */
function stallSummary(stalls: readonly Stall[]): string {
  const groups = new Map<string, number[]>();
  for (const s of stalls) {
    const k = `${s.app} ${s.what}`;
    groups.set(k, [...(groups.get(k) ?? []), s.ms]);
  }
  return [...groups]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([k, ms]) =>
        `${k} ×${ms.length} Σ${Math.round(ms.reduce((a, b) => a + b, 0))} max ${Math.max(...ms)}`,
    )
    .join(', ');
}

/**
 * The tail's moments: the slowest 1 % grouped by produce time (gaps over 250 ms split
 * groups), each with the apps' pauses from 300 ms before it began to its worst
 * delivery's arrival; and the whole run's pauses for comparison.
 */
export function tailEpisodes(
  arrivals: readonly Arrival[],
  start: number,
  stalls: readonly Stall[] = [],
): string {
  const byTotal = [...arrivals].sort((a, b) => a.at - a.sentAt - (b.at - b.sentAt));
  const tail = byTotal.slice(Math.floor(byTotal.length * 0.99)).sort((a, b) => a.sentAt - b.sentAt);
  const episodes: { from: number; to: number; n: number; worst: number; until: number }[] = [];
  for (const a of tail) {
    const last = episodes.at(-1);
    if (last && a.sentAt - last.to <= 250) {
      last.to = a.sentAt;
      last.n++;
      last.worst = Math.max(last.worst, a.at - a.sentAt);
      last.until = Math.max(last.until, a.at);
    } else
      episodes.push({ from: a.sentAt, to: a.sentAt, n: 1, worst: a.at - a.sentAt, until: a.at });
  }
  const s = (t: number) => ((t - start) / 1000).toFixed(2);
  return [
    'tail episodes (event produced, s after start: deliveries, worst ms; pauses from 300 ms before to the last arrival):',
    ...episodes.map(
      (e) =>
        `  ${s(e.from)}–${s(e.to)}: ${e.n}, ${e.worst}; ${stallSummary(stalls.filter((p) => p.at >= e.from - 300 && p.at <= e.until)) || 'no pauses logged'}`,
    ),
    ...(stalls.length > 0 ? [`  whole run: ${stallSummary(stalls)}`] : []),
  ].join('\n');
}
