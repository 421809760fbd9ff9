import { createHash } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { createClient, createCluster } from 'redis';
import { redisClusterNodes, withTimeout } from '@herald/core';
import { stageReconnectDelayMs } from './redis-client.js';

/** One mark: `SET key value PX ttlMs`, with `NX` when `ifAbsent`. */
export interface MarkWrite {
  readonly key: string;
  readonly value: string;
  readonly ttlMs: number;
  readonly ifAbsent?: boolean;
}

/** Redis `WAIT`: how many replicas must have the writes, and for how long to wait. */
export interface ReplicaWait {
  readonly replicas: number;
  readonly timeoutMs: number;
}

/** What a batch of commands answered, and with a wait, how many replicas had it in time. */
export interface MarkReplies<T> {
  readonly replies: T[];
  /** The fewest replicas that acknowledged, over the nodes written to (with a wait only). */
  readonly replicas?: number;
}

export interface MarksRedisOptions {
  /**
   * Bounds every call (a slow Redis behaves like a down one): one timer per batch, not
   * per command. node-redis' own command timeout covers only the wait to be written.
   */
  readonly timeoutMs?: number;
  /** How long `connect()` waits for Redis (default 15 s). */
  readonly connectTimeoutMs?: number;
  /** Gets connection errors; rate-limit it yourself. */
  readonly onError?: (err: Error) => void;
}

/** A Lua script of one key, run by its SHA1 (`EVALSHA`) and sent whole only on `NOSCRIPT`. */
export class MarkScript {
  readonly source: string;
  readonly sha: string;

  constructor(source: string) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

/** One run of a {@link MarkScript}: its key and its arguments. */
export interface ScriptCall {
  readonly key: string;
  readonly args: readonly string[];
}

type SingleClient = ReturnType<typeof createClient>;
type ClusterClient = ReturnType<typeof createCluster>;

/** node-redis counts retries from 0, ioredis its attempts from 1. */
const reconnectStrategy = (retries: number) => stageReconnectDelayMs(retries + 1);

/**
 * The Redis of the per-delivery marks: the router's dedupe and inhibition marks and the
 * worker's idempotency leases and sent marks, three commands per delivery. It runs on
 * node-redis, not on ioredis like the rest of Herald's Redis use: a SET in a batch of 500
 * costs the caller ~1.8 µs of CPU sent raw on node-redis against ~5 on ioredis' pipeline
 * (~6–7 with ioredis' command timeout, one timer per command), and Redis the same
 * (docs/benchmarks.md, "Round 12 (issue 19): the marks on node-redis").
 *
 * A batch is one command per item, all issued in one tick: node-redis writes a tick's
 * commands to a connection in one write, so a chunk's marks are one round trip on a
 * single Redis and one per node on a Cluster (`redis+cluster://`, whose client routes
 * each key to its node and follows MOVED). Fails fast while disconnected (no offline
 * queue): the caller decides, a stage by retrying its chunk, the router by failing open.
 */
export class MarksRedis {
  readonly #single: SingleClient | undefined;
  readonly #cluster: ClusterClient | undefined;
  readonly #connectTimeoutMs: number;
  readonly #timeoutMs: number | undefined;
  /** Where Redis is, for errors (host:port, no credentials). */
  readonly #where: string;
  #connecting: Promise<void> | undefined;
  /** Set by `close`: a closed client refuses calls instead of connecting again. */
  #closed = false;

  constructor(url: string, options: MarksRedisOptions = {}) {
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
    this.#timeoutMs = options.timeoutMs;
    const cluster = redisClusterNodes(url);
    this.#where = cluster
      ? cluster.nodes.map(({ host, port }) => `${host}:${port}`).join(',')
      : new URL(url).host;
    if (cluster) {
      const { nodes, tls, username, password } = cluster;
      this.#cluster = createCluster({
        rootNodes: nodes.map(({ host, port }) => ({ socket: { host, port } })),
        defaults: {
          disableOfflineQueue: true,
          socket: { connectTimeout: 5_000, reconnectStrategy, ...(tls ? { tls: true } : {}) },
          ...(username === undefined ? {} : { username }),
          ...(password === undefined ? {} : { password }),
        },
      });
      this.#cluster.on('error', options.onError ?? (() => undefined));
      // node-redis learns a new slot map only from a MOVED reply, which a dead primary never
      // sends: its slots would stay on it, failing, after its replica took over. So a node's
      // connection error asks the cluster again (at most every 2 s), the way ioredis'
      // slotsRefreshInterval did. `_slots.rediscover` is internal API: the seed node given
      // is only where it asks first, it falls back to every seed node.
      const seed = { options: { socket: nodes[0]! } };
      let lastRefresh = 0;
      this.#cluster.on('node-error', () => {
        const now = Date.now();
        if (now - lastRefresh < 2_000) return;
        lastRefresh = now;
        const slots = this.#cluster!._slots as unknown as {
          rediscover(startWith: typeof seed): Promise<void>;
        };
        slots.rediscover(seed).catch(() => undefined);
      });
    } else {
      this.#single = createClient({
        url,
        disableOfflineQueue: true,
        socket: { connectTimeout: 5_000, reconnectStrategy },
      });
      this.#single.on('error', options.onError ?? (() => undefined));
    }
  }

  /**
   * Resolves once connected; rejects when not within `connectTimeoutMs`. A single client
   * goes on trying in the background after that; a Cluster whose first discovery failed
   * tries again at the next call of `connect` or of a command.
   */
  async connect(): Promise<void> {
    this.#refuseClosed();
    if (this.#ready()) return;
    await withTimeout(
      this.#startConnecting(),
      this.#connectTimeoutMs,
      `redis was not ready within ${this.#connectTimeoutMs} ms at ${this.#where}: check REDIS_URL and that Redis is up`,
    );
  }

  /**
   * Closes the connections at once and stops reconnecting. Callers close after their
   * last command is answered (a stage after its loop), so nothing is cut short, and a
   * Redis that is away cannot hold the shutdown the way a graceful QUIT would.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#connecting = undefined;
    const client = this.#single ?? this.#cluster!;
    if (client.isOpen) client.destroy();
  }

  /** Resolves when Redis answers, throws otherwise (readiness). */
  async ping(): Promise<void> {
    this.#use();
    await this.#bounded<unknown>(
      this.#single ? this.#single.ping() : this.#cluster!.sendCommand(undefined, true, ['PING']),
    );
  }

  /** The marks, in one round trip per node; each reply is `'OK'`, or null where NX held. */
  async setMany(
    writes: readonly MarkWrite[],
    wait?: ReplicaWait,
  ): Promise<MarkReplies<string | null>> {
    this.#use();
    // Raw commands: node-redis' typed `set` builds an options object and parses it per call,
    // ~0.9 µs more per command in a batch of 500 (docs/benchmarks.md, round 12).
    const sets = writes.map(({ key, value, ttlMs, ifAbsent }) =>
      this.#send<string | null>(
        key,
        false,
        ifAbsent
          ? ['SET', key, value, 'PX', String(ttlMs), 'NX']
          : ['SET', key, value, 'PX', String(ttlMs)],
      ),
    );
    return this.#bounded(this.#withWait(sets, wait, () => writes.map((w) => w.key)));
  }

  /** The values under `keys` (null when absent), in order. */
  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    this.#use();
    return this.#bounded(
      Promise.all(keys.map((key) => this.#send<string | null>(key, true, ['GET', key]))),
    );
  }

  /** One run of `script` per call, in one round trip per node (`EVALSHA`, `EVAL` on `NOSCRIPT`). */
  async evalMany(
    script: MarkScript,
    calls: readonly ScriptCall[],
    wait?: ReplicaWait,
  ): Promise<MarkReplies<unknown>> {
    this.#use();
    const client = this.#single ?? this.#cluster!;
    const runs = calls.map(async ({ key, args }) => {
      const options = { keys: [key], arguments: [...args] };
      try {
        return await client.evalSha(script.sha, options);
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
        return client.eval(script.source, options);
      }
    });
    return this.#bounded(this.#withWait(runs, wait, () => calls.map((c) => c.key)));
  }

  /**
   * The replies of `commands`, and with `wait`, a `WAIT` on each node written to. WAIT
   * answers for the writes made before it on its own connection: on a single Redis it
   * goes out in the same write, behind the commands; on a Cluster it follows their
   * replies, on each key's primary, whose client is the one the commands went through.
   */
  async #withWait<T>(
    commands: Promise<T>[],
    wait: ReplicaWait | undefined,
    keysOf: () => readonly string[],
  ): Promise<MarkReplies<T>> {
    if (wait === undefined) return { replies: await Promise.all(commands) };
    const args = ['WAIT', String(wait.replicas), String(wait.timeoutMs)];
    if (this.#single) {
      const [replies, acknowledged] = await Promise.all([
        Promise.all(commands),
        this.#single.sendCommand(args),
      ]);
      return { replies, replicas: Number(acknowledged) };
    }
    const cluster = this.#cluster!;
    const replies = await Promise.all(commands);
    const primaries = new Set(
      keysOf().map((key) => {
        const shard = cluster.slots[calculateSlot(key)];
        if (!shard) throw new Error(`redis cluster knows no node for key ${key}`);
        return shard.master;
      }),
    );
    const acknowledged = await Promise.all(
      [...primaries].map(async (primary) =>
        Number(await (await cluster.nodeClient(primary)).sendCommand(args)),
      ),
    );
    return { replies, replicas: Math.min(...acknowledged) };
  }

  /** One command: on a Cluster, routed by `key` to its node. */
  #send<T>(key: string, readonly: boolean, args: string[]): Promise<T> {
    const reply = this.#single
      ? this.#single.sendCommand(args)
      : this.#cluster!.sendCommand(key, readonly, args);
    return reply as Promise<T>;
  }

  #bounded<T>(work: Promise<T>): Promise<T> {
    const ms = this.#timeoutMs;
    return ms === undefined
      ? work
      : withTimeout(work, ms, `redis did not answer within ${ms} ms at ${this.#where}`);
  }

  /** Before a command: refuses on a closed client, starts connecting one not yet open. */
  #use(): void {
    this.#refuseClosed();
    void this.#startConnecting();
  }

  #refuseClosed(): void {
    if (this.#closed)
      throw new Error('this redis client was closed; make a new MarksRedis to use Redis again');
  }

  #ready(): boolean {
    return this.#single ? this.#single.isReady : this.#cluster!.isOpen;
  }

  /** Starts connecting unless connected or connecting; a failed Cluster discovery is retried. */
  #startConnecting(): Promise<void> {
    if (this.#connecting) return this.#connecting;
    const client = this.#single ?? this.#cluster!;
    if (client.isOpen) return Promise.resolve();
    const connecting = (async () => {
      await client.connect();
    })();
    this.#connecting = connecting;
    connecting.then(
      () => undefined,
      () => {
        // A single client retries by itself; a Cluster's discovery is tried again later.
        if (this.#connecting === connecting) this.#connecting = undefined;
      },
    );
    return connecting;
  }
}
