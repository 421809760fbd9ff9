import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { redisClusterNodes, type Logger } from '@herald/core';

/** A single Redis or a Redis Cluster: the commands Herald uses are the same on both. */
export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  /**
   * How a caller lives with an unreachable Redis:
   * - `stage`: a pipeline stage; commands fail fast (one retry, no offline queue) so the
   *   stage retries its chunk with backoff instead of piling commands up in memory;
   * - `command`: a one-shot CLI command; no reconnects, a short connect timeout.
   */
  readonly mode: 'stage' | 'command';
  /** Gets connection errors (ioredis prints unhandled ones); rate-limit it yourself. */
  readonly onError?: (err: Error) => void;
  readonly logger?: Logger;
}

/**
 * How long a stage's Redis client waits before its `attempt`-th reconnect (from 1):
 * 200 ms more each time, at most 2 s. Shared by both clients (`MarksRedis` too).
 */
export const stageReconnectDelayMs = (attempt: number): number => Math.min(attempt * 200, 2_000);

/**
 * The one place Herald makes a Redis client, so every component shares the same
 * failure behaviour. `redis://` gives a single-node client, `redis+cluster://a:1,b:2`
 * ioredis' Cluster client over those seed nodes (REDIS_URL, docs/reliability.md
 * "Redis Cluster"). `lazyConnect`: the caller decides when to connect
 * (`await client.connect()`) inside its own start-up.
 */
export function createRedisClient(url: string, options: RedisClientOptions): RedisClient {
  const stage = options.mode === 'stage';
  const common: RedisOptions = {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    // Fail fast while disconnected instead of queueing commands for later.
    enableOfflineQueue: false,
    connectTimeout: stage ? 5_000 : 2_000,
  };
  const retryStrategy = stage ? stageReconnectDelayMs : () => null;
  const cluster = redisClusterNodes(url);
  let client: RedisClient;
  if (cluster) {
    const { nodes, tls, username, password } = cluster;
    client = new Cluster(nodes, {
      lazyConnect: true,
      enableOfflineQueue: false,
      // No auto-pipelining: ioredis groups a tick's commands per node, but a script whose
      // key count is its first argument (the rate limiter's) lands in a group with other
      // slots and the whole batch is refused ("All keys in the pipeline should belong to
      // the same slots allocation group").
      clusterRetryStrategy: retryStrategy,
      // A primary that died is replaced by its replica within cluster-node-timeout: the
      // slot map is fetched again on MOVED or a lost connection, and every 5 s.
      slotsRefreshInterval: 5_000,
      redisOptions: {
        ...common,
        ...(tls ? { tls: {} } : {}),
        ...(username === undefined ? {} : { username }),
        ...(password === undefined ? {} : { password }),
      },
    });
  } else {
    client = new Redis(url, {
      ...common,
      retryStrategy,
      // Jobs of a chunk run concurrently: the commands they issue in one tick go out
      // in one write instead of one syscall each (see docs/benchmarks.md).
      ...(stage ? { enableAutoPipelining: true } : {}),
    });
  }
  client.on('error', options.onError ?? (() => undefined));
  return client;
}

/**
 * Connects a client of `createRedisClient` and resolves once it is ready; rejects with
 * the connection's error, or when it is not ready within `timeoutMs`. Use it instead of
 * `connect()`: ioredis' Cluster never settles the promise of `connect()` when its first
 * attempt is undone by a reconnect (a cluster still in state `fail` just after it was
 * created: the ready check disconnects and tries again), and an app waiting on it
 * hung in its start for ever (the chaos suite's cluster profile: a router that never
 * joined its group). The client's `ready` event still comes, so that is awaited.
 */
export async function connectRedis(client: RedisClient, timeoutMs = 15_000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      if (err) reject(err);
      else resolve();
    };
    const onReady = () => done();
    const timer = setTimeout(
      () => done(new Error(`redis was not ready within ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.once('ready', onReady);
    client.connect().then(onReady, (err: Error) => done(err));
  });
}
