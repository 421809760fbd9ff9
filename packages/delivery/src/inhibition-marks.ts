import type { Logger } from '@herald/core';
import { FailOpenRedis } from './fail-open-redis.js';
import type { MarksRedis } from './marks-redis.js';

/**
 * The router's inhibition marks in Redis (docs/rules.md, "Inhibition"): `SET key value
 * PX ttl` for each active source event, `GET` for each target's lookup, one round trip
 * each per chunk (per node on a Redis Cluster). Like the dedupe marks it fails open: when
 * Redis is unreachable, marks
 * are not written and lookups find nothing, so notifications are sent rather than
 * inhibited (a warning at most every 10 s). Inhibition only ever holds messages back,
 * and holding back the wrong ones because a cache is down is the worse failure.
 */
export class RedisInhibition extends FailOpenRedis {
  /** `redis`: `new MarksRedis(url, { timeoutMs })`, not yet connected. */
  constructor(redis: MarksRedis, logger: Logger) {
    super(redis, logger, 'inhibition fails open (notifications are sent, not inhibited)');
  }

  /** Writes the marks (a later source event's mark replaces an earlier one's). Never throws. */
  async mark(
    marks: readonly { readonly key: string; readonly value: string; readonly ttlMs: number }[],
  ): Promise<void> {
    if (marks.length === 0) return;
    try {
      await this.redis.setMany(
        marks.map((m) => ({ key: m.key, value: m.value, ttlMs: Math.max(1, Math.ceil(m.ttlMs)) })),
      );
    } catch (err) {
      this.warn(err);
    }
  }

  /** The values under `keys` (null when absent); all null when Redis does not answer. */
  async read(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    try {
      return await this.redis.getMany(keys);
    } catch (err) {
      this.warn(err);
      return keys.map(() => null);
    }
  }
}
