import type { Logger } from '@herald/core';
import type { MarksRedis } from './marks-redis.js';

/**
 * A Redis helper that fails open (the router's dedupe and inhibition marks): when Redis
 * is unreachable its callers carry on without it, and it says so in a warning at most
 * every 10 s instead of one per chunk. Subclasses use `redis` and call `warn(err)` where
 * a command failed.
 */
export abstract class FailOpenRedis {
  protected readonly redis: MarksRedis;
  protected readonly log: Logger;
  readonly #consequence: string;
  #lastWarning = 0;

  /**
   * `redis`: `new MarksRedis(url, { timeoutMs })`, not yet connected; `consequence` ends
   * the warning, e.g. "dedupe fails open (…)".
   */
  protected constructor(redis: MarksRedis, logger: Logger, consequence: string) {
    this.redis = redis;
    this.log = logger;
    this.#consequence = consequence;
  }

  async start(): Promise<void> {
    try {
      await this.redis.connect();
    } catch (err) {
      this.warn(err);
    }
  }

  async stop(): Promise<void> {
    await this.redis.close();
  }

  protected warn(err: unknown): void {
    const now = Date.now();
    if (now - this.#lastWarning < 10_000) return;
    this.#lastWarning = now;
    this.log.warn(
      { err: err instanceof Error ? err.message : String(err) },
      `redis unavailable: ${this.#consequence}`,
    );
  }
}
