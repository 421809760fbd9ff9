import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
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
  /** Bounds every command (a slow Redis behaves like a down one). */
  readonly commandTimeoutMs?: number;
  /** Gets connection errors (ioredis prints unhandled ones); rate-limit it yourself. */
  readonly onError?: (err: Error) => void;
  readonly logger?: Logger;
}

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
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeout: options.commandTimeoutMs }),
  };
  const retryStrategy = stage ? (attempt: number) => Math.min(attempt * 200, 2_000) : () => null;
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
      // the same slots allocation group"). Chunks already batch per node (pipelineByNode).
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

/** One reply of a pipeline: the command's error or its result. */
export type PipelineReply = [Error | null, unknown];

/**
 * One command per item in as few round trips as the deployment allows: one pipeline
 * on a single Redis; on a Cluster, ioredis refuses a pipeline whose keys live on several
 * nodes, so one pipeline per node (by each key's slot), all sent at once. Replies come
 * back in the items' order. `key` is the key the item's command touches. `last`, when
 * given, adds one more command at the end of each pipeline (e.g. WAIT, which answers
 * for the node it runs on); its replies go to `checkLast`, which may throw to fail the call.
 */
export async function pipelineByNode<T>(
  redis: RedisClient,
  items: readonly T[],
  key: (item: T) => string,
  add: (pipeline: ChainableCommander, item: T) => void,
  last?: (pipeline: ChainableCommander) => void,
  checkLast?: (reply: PipelineReply) => void,
): Promise<PipelineReply[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    let group = '';
    if (redis instanceof Cluster) {
      const slot = calculateSlot(key(item));
      group = redis.slots[slot]?.join(',') ?? `slot:${slot}`;
    }
    const indexes = groups.get(group);
    if (indexes) indexes.push(i);
    else groups.set(group, [i]);
  });
  const replies: PipelineReply[] = new Array<PipelineReply>(items.length);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const pipeline = redis.pipeline();
      for (const i of indexes) add(pipeline, items[i]!);
      last?.(pipeline);
      const results = await pipeline.exec();
      if (results === null) throw new Error('redis pipeline was discarded');
      if (last && checkLast)
        checkLast((results[indexes.length] ?? [new Error('no reply'), null]) as PipelineReply);
      indexes.forEach((itemIndex, j) => {
        replies[itemIndex] = (results[j] ?? [new Error('no reply'), null]) as PipelineReply;
      });
    }),
  );
  return replies;
}
