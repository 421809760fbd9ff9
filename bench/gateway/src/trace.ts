/**
 * Where the store→client time goes (BENCH_TRACE=1): per-stage timestamps of the
 * 5,000/s phase and both processes' event-loop delay.
 *  - commit: the producer's append resolved (this process);
 *  - redis: this process saw the note on Redis (a PSUBSCRIBE of its own, beside the
 *    gateway's), so commit→redis is the publish and Redis's delivery;
 *  - client: a load client parsed the frame; redis→client is the gateway (receive,
 *    dispatch, socket write) plus the clients' own loop.
 * Every time is Date.now() of this one process, so no clock is compared across
 * processes. The gateway's own view comes from its /metrics (event-loop delay, GC,
 * its receive-side latency histogram), read as deltas over the phase.
 */
import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import { Redis } from 'ioredis';

export interface Delivery {
  readonly key: number;
  readonly at: number;
  readonly ms: number;
}

const q = (sorted: readonly number[], p: number) =>
  sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;

function metricSum(text: string, name: string, ...labels: string[]): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const [series, value] = line.split(' ');
    if (series === undefined || value === undefined) continue;
    if (series !== name && !series.startsWith(`${name}{`)) continue;
    if (!labels.every((label) => series.includes(label))) continue;
    sum += Number(value);
  }
  return sum;
}

export class StageTrace {
  readonly redisAt = new Map<number, number>();
  readonly deliveries: Delivery[] = [];
  /** When clients received keep-alives (SSE comments, WebSocket pings). */
  readonly heartbeats: number[] = [];
  readonly #loop: ELDHistogram = monitorEventLoopDelay({ resolution: 10 });
  #sub: Redis | undefined;
  #metricsBefore = '';
  #started = 0;

  constructor(
    private readonly gatewayMetrics: (() => Promise<string>) | undefined,
    private readonly log: (text: string) => void,
  ) {}

  /** Listens to every inbox channel of the run (`<prefix>herald:inbox:<tenant>:s<i>`). */
  async listen(redisUrl: string, prefix: string): Promise<void> {
    const sub = new Redis(redisUrl);
    this.#sub = sub;
    sub.on('pmessage', (_pattern: string, channel: string, text: string) => {
      const now = Date.now();
      const s = Number(/:s(\d+)$/.exec(channel)?.[1]);
      const seq = (JSON.parse(text) as { seq: number }).seq;
      this.redisAt.set(s * 1_000_000 + seq, now);
    });
    await sub.psubscribe(`${prefix}herald:inbox:*`);
  }

  async begin(): Promise<void> {
    this.deliveries.length = 0;
    this.heartbeats.length = 0;
    this.#loop.reset();
    this.#loop.enable();
    this.#started = Date.now();
    // Reading /metrics resets prom-client's event-loop histogram: the next read is the phase's.
    this.#metricsBefore = (await this.gatewayMetrics?.()) ?? '';
  }

  async report(committedAt: ReadonlyMap<number, number>): Promise<void> {
    this.#loop.disable();
    const after = (await this.gatewayMetrics?.()) ?? '';
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    this.log(
      `  trace: bench loop delay p99 ${ms(this.#loop.percentile(99))} ms, max ${ms(this.#loop.max)} ms`,
    );
    if (after !== '') {
      const d = (name: string, ...labels: string[]) =>
        metricSum(after, name, ...labels) - metricSum(this.#metricsBefore, name, ...labels);
      this.log(
        `  trace: gateway loop delay p99 ${(metricSum(after, 'nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(1)} ms, max ${(metricSum(after, 'nodejs_eventloop_lag_max_seconds') * 1000).toFixed(1)} ms; ` +
          `GC major ${d('nodejs_gc_duration_seconds_count', 'kind="major"')} (${(d('nodejs_gc_duration_seconds_sum', 'kind="major"') * 1000).toFixed(0)} ms), ` +
          `minor ${d('nodejs_gc_duration_seconds_count', 'kind="minor"')} (${(d('nodejs_gc_duration_seconds_sum', 'kind="minor"') * 1000).toFixed(0)} ms), ` +
          `incremental ${(d('nodejs_gc_duration_seconds_sum', 'kind="incremental"') * 1000).toFixed(0)} ms`,
      );
      const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
      const live = 'transport="live"';
      const total = d('herald_gateway_delivery_latency_seconds_count', live);
      const over = buckets.map(
        (b) =>
          `>${b * 1000}ms ${total - d('herald_gateway_delivery_latency_seconds_bucket', live, `le="${b}"`)}`,
      );
      this.log(`  trace: gateway receive (from createdAt) of ${total} notes: ${over.join(', ')}`);
    }
    const total: number[] = [];
    const toRedis: number[] = [];
    const fromRedis: number[] = [];
    const worst: (Delivery & { redis: number; commit: number })[] = [];
    for (const delivery of this.deliveries) {
      total.push(delivery.ms);
      const commit = committedAt.get(delivery.key);
      const redis = this.redisAt.get(delivery.key);
      if (commit === undefined || redis === undefined) continue;
      fromRedis.push(delivery.at - redis);
      worst.push({ ...delivery, redis, commit });
    }
    for (const [key, redis] of this.redisAt) {
      const commit = committedAt.get(key);
      if (commit !== undefined && redis >= this.#started) toRedis.push(redis - commit);
    }
    for (const list of [total, toRedis, fromRedis]) list.sort((a, b) => a - b);
    const line = (name: string, v: number[]) =>
      `${name} p50 ${q(v, 0.5)} / p99 ${q(v, 0.99)} / p99.9 ${q(v, 0.999)} / max ${v.at(-1) ?? NaN} ms (${v.length})`;
    this.log(`  trace: ${line('commit→client', total)}`);
    this.log(`  trace: ${line('commit→redis', toRedis)}`);
    this.log(`  trace: ${line('redis→client', fromRedis)}`);
    // When the slow ones happened: a stall shows as one run of neighbours, a per-message
    // cost as scattered ones.
    worst.sort((a, b) => b.ms - a.ms);
    const seen = new Set<number>();
    const rows: string[] = [];
    for (const w of worst) {
      if (seen.has(w.key)) continue;
      seen.add(w.key);
      rows.push(
        `t+${w.commit - this.#started}ms s${Math.floor(w.key / 1_000_000)}#${w.key % 1_000_000}: total ${w.ms}, commit→redis ${w.redis - w.commit}, redis→client ${w.at - w.redis}`,
      );
      if (rows.length === 8) break;
    }
    for (const row of rows) this.log(`  trace: slowest ${row}`);
    // Keep-alive bursts: 100 ms windows holding more than 1/50 of the run's keep-alives
    // (a spread heartbeat sends 1/250 per window), adjacent ones merged; then the latency
    // of the messages in flight (committed, not yet received) while one arrived.
    const windows = new Map<number, number>();
    for (const at of this.heartbeats) {
      const w = Math.floor(at / 100);
      windows.set(w, (windows.get(w) ?? 0) + 1);
    }
    const threshold = Math.max(50, this.heartbeats.length / 50);
    const bursts: { from: number; to: number; count: number }[] = [];
    for (const [w, count] of [...windows].sort((a, b) => a[0] - b[0])) {
      if (count < threshold) continue;
      const last = bursts.at(-1);
      if (last !== undefined && w * 100 - last.to <= 100) {
        last.to = w * 100 + 100;
        last.count += count;
      } else bursts.push({ from: w * 100, to: w * 100 + 100, count });
    }
    this.log(
      `  trace: ${this.heartbeats.length} keep-alives received, at most ${Math.max(0, ...windows.values())} in one 100 ms window`,
    );
    const during: number[] = [];
    const outside: number[] = [];
    for (const w of worst) {
      const hit = bursts.some((b) => w.commit <= b.to && w.at >= b.from);
      (hit ? during : outside).push(w.ms);
    }
    during.sort((a, b) => a - b);
    outside.sort((a, b) => a - b);
    this.log(
      `  trace: keep-alive bursts ${bursts.map((b) => `t+${b.from - this.#started}ms..+${b.to - b.from}ms ×${b.count}`).join(', ') || 'none'}`,
    );
    this.log(`  trace: ${line('in flight during a burst', during)}`);
    this.log(`  trace: ${line('the others', outside)}`);
  }

  close(): void {
    this.#sub?.disconnect();
  }
}
