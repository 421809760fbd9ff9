import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '@herald/core';

export interface RedisClientOptions {
  /**
   * How a caller lives with an unreachable Redis:
   * - `stage`: a pipeline stage; commands fail fast (one retry, no offline queue) so the
   *   stage retries its chunk with backoff instead of piling commands up in memory;
   * - `command`: a one-shot CLI command; no reconnects, a short connect timeout.
   */
  readonly mode: 'stage' | 'command';
  /** Bounds every command (a slow Redis behaves like a down one). */
  readonly commandTimeoutMs?: number;
  /** Gets connection errors (ioredis prints unhandled ones); rate-limit it yourself. */
  readonly onError?: (err: Error) => void;
  readonly logger?: Logger;
}

/**
 * The one place Herald makes a Redis client, so every component shares the same
 * failure behaviour (and, later, the same cluster support). `lazyConnect`: the caller
 * decides when to connect (`await client.connect()`) inside its own start-up.
 */
export function createRedisClient(url: string, options: RedisClientOptions): Redis {
  const common: RedisOptions = {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    // Fail fast while disconnected instead of queueing commands for later.
    enableOfflineQueue: false,
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeout: options.commandTimeoutMs }),
  };
  const client =
    options.mode === 'stage'
      ? new Redis(url, {
          ...common,
          connectTimeout: 5_000,
          retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
          // Jobs of a chunk run concurrently: the commands they issue in one tick go out
          // in one write instead of one syscall each (see docs/benchmarks.md).
          enableAutoPipelining: true,
        })
      : new Redis(url, { ...common, connectTimeout: 2_000, retryStrategy: () => null });
  client.on('error', options.onError ?? (() => undefined));
  return client;
}
