import type { Logger } from '@herald/core';
import { FailOpenRedis } from './fail-open-redis.js';
import { pipelineByNode, type RedisClient } from './redis-client.js';

/**
 * The router's inhibition marks in Redis (docs/rules.md, "Inhibition"): `SET key value
 * PX ttl` for each active source event, `GET` for each target's lookup, one pipeline
 * each per chunk (per node on a Redis Cluster). Like the dedupe marks it fails open: when Redis is unreachable, marks
 * are not written and lookups find nothing, so notifications are sent rather than
 * inhibited (a warning at most every 10 s). Inhibition only ever holds messages back,
 * and holding back the wrong ones because a cache is down is the worse failure.
 */
export class RedisInhibition extends FailOpenRedis {
  /** `redis` from `createRedisClient(url, { mode: 'stage', commandTimeoutMs })`, not yet connected. */
  constructor(redis: RedisClient, logger: Logger) {
    super(redis, logger, 'inhibition fails open (notifications are sent, not inhibited)');
  }

  /** Writes the marks (a later source event's mark replaces an earlier one's). Never throws. */
  async mark(
    marks: readonly { readonly key: string; readonly value: string; readonly ttlMs: number }[],
  ): Promise<void> {
    if (marks.length === 0) return;
    try {
      const results = await pipelineByNode(
        this.redis,
        marks,
        (m) => m.key,
        (pipeline, m) => pipeline.set(m.key, m.value, 'PX', Math.max(1, Math.ceil(m.ttlMs))),
      );
      for (const [err] of results) if (err) throw err;
    } catch (err) {
      this.warn(err);
    }
  }

  /** The values under `keys` (null when absent); all null when Redis does not answer. */
  async read(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    try {
      const results = await pipelineByNode(
        this.redis,
        keys,
        (key) => key,
        (pipeline, key) => pipeline.get(key),
      );
      return keys.map((_, i) => {
        const [err, value] = results[i] ?? [new Error('no reply'), null];
        if (err) throw err;
        return typeof value === 'string' ? value : null;
      });
    } catch (err) {
      this.warn(err);
      return keys.map(() => null);
    }
  }
}
