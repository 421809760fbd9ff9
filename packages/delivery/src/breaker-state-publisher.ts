import type { RedisClient } from './redis-client.js';
import type { BreakerSnapshot, BreakerState } from './circuit-breaker.js';

/**
 * Circuit breakers live in each worker's memory; `herald status` runs in another
 * process. The contract between them, in Redis:
 *
 * - `<prefix>herald:breaker:{herald-breakers}:<endpoint>`: a hash per endpoint, one
 *   field per worker process (`worker` id), value = JSON `BreakerStateEntry`. The key
 *   expires `ttlMs` after the last publish of any worker.
 * - `<prefix>herald:breakers:{herald-breakers}`: a sorted set of endpoints, score = the
 *   last publish (ms since epoch), so readers list endpoints without SCAN.
 *
 * Every key carries the same hash tag, so the whole contract lives in one Redis Cluster
 * slot and one pipeline reaches it. A reader ignores entries past their `expiresAt` (a
 * worker that died leaves its field behind until the key expires).
 */
export interface BreakerStateEntry {
  readonly endpoint: string;
  readonly state: BreakerState;
  readonly requests: number;
  readonly failures: number;
  readonly openedAt?: number;
  readonly changes: number;
  /** Who published it: `host:pid` by default. */
  readonly worker: string;
  /** The channels the publishing worker serves. */
  readonly channels: readonly string[];
  /** When it was published (ms since epoch). */
  readonly updatedAt: number;
  /** After this (ms since epoch) readers ignore it: the worker stopped publishing. */
  readonly expiresAt: number;
}

const TAG = '{herald-breakers}';

/** The hash of one endpoint's breakers (one field per worker). */
export function breakerStateKey(prefix: string, endpoint: string): string {
  return `${prefix}herald:breaker:${TAG}:${endpoint}`;
}

/** The sorted set of endpoints with a recent publish. */
export function breakerIndexKey(prefix: string): string {
  return `${prefix}herald:breakers:${TAG}`;
}

export interface BreakerStatePublisherConfig {
  /** The topic prefix, so installs and tests can share a Redis. */
  readonly keyPrefix?: string;
  /** This process, e.g. `${hostname()}:${process.pid}`. */
  readonly worker: string;
  readonly channels: readonly string[];
  /** How often states are written; default 5000 ms. */
  readonly intervalMs?: number;
  /** How long a state stays visible without a new publish; default 3 × interval. */
  readonly ttlMs?: number;
  /** Called when a publish fails (Redis down); publishing goes on at the next tick. */
  readonly onError?: (err: unknown) => void;
}

export interface BreakerStatePublisher {
  /** Writes the given snapshots now. */
  publish(snapshots: readonly BreakerSnapshot[], now?: number): Promise<void>;
  /** Stops the timer and takes this worker's fields out (best effort). Idempotent. */
  stop(): Promise<void>;
}

/**
 * Publishes a worker's breaker states to Redis every `intervalMs` for `herald status`.
 * Failures never reach the worker: they go to `onError`.
 *
 * @example
 * // in the worker's start(), after Redis connected; `await breakerStates.stop()` in stop()
 * const breakerStates = publishBreakerStates(redis, () => breakers.snapshot(),
 *   { keyPrefix: env.HERALD_TOPIC_PREFIX, worker: `${hostname()}:${process.pid}`, channels });
 */
export function publishBreakerStates(
  redis: RedisClient,
  snapshot: () => readonly BreakerSnapshot[],
  config: BreakerStatePublisherConfig,
): BreakerStatePublisher {
  const prefix = config.keyPrefix ?? '';
  const intervalMs = config.intervalMs ?? 5_000;
  const ttlMs = config.ttlMs ?? intervalMs * 3;
  const index = breakerIndexKey(prefix);
  const published = new Set<string>();

  async function publish(snapshots: readonly BreakerSnapshot[], now = Date.now()): Promise<void> {
    const pipeline = redis.pipeline();
    for (const s of snapshots) {
      const entry: BreakerStateEntry = {
        endpoint: s.endpoint,
        state: s.state,
        requests: s.requests,
        failures: s.failures,
        ...(s.openedAt === undefined ? {} : { openedAt: s.openedAt }),
        changes: s.changes,
        worker: config.worker,
        channels: config.channels,
        updatedAt: now,
        expiresAt: now + ttlMs,
      };
      const key = breakerStateKey(prefix, s.endpoint);
      pipeline.hset(key, config.worker, JSON.stringify(entry));
      pipeline.pexpire(key, ttlMs);
      pipeline.zadd(index, now, s.endpoint);
      published.add(s.endpoint);
    }
    pipeline.zremrangebyscore(index, '-inf', `(${now - ttlMs}`);
    if (snapshots.length > 0) pipeline.pexpire(index, ttlMs);
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err !== null);
    if (failed) throw failed[0];
  }

  const tick = () => void publish(snapshot()).catch((err: unknown) => config.onError?.(err));
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  let stopping: Promise<void> | undefined;
  return {
    publish,
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(timer);
        if (published.size === 0) return;
        const pipeline = redis.pipeline();
        for (const endpoint of published)
          pipeline.hdel(breakerStateKey(prefix, endpoint), config.worker);
        await pipeline.exec().catch((err: unknown) => config.onError?.(err));
      })()),
  };
}
