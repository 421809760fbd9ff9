import { readFileSync } from 'node:fs';
import type { ChainableCommander } from 'ioredis';
import { DependencyError } from './dependency-error.js';
import { pipelineByNode, type PipelineReply, type RedisClient } from './redis-client.js';

export type AcquireResult =
  | { readonly status: 'acquired' }
  | { readonly status: 'sent'; readonly summary: string }
  | { readonly status: 'busy'; readonly retryInMs: number };

export interface IdempotencyConfig {
  /** Prepended to keys (the topic prefix), so installs and tests can share a Redis. */
  readonly keyPrefix?: string;
  /** How long a lease protects an in-flight send; longer than the provider timeout. */
  readonly leaseMs?: number;
  /** How long a sent mark lives; well beyond the retry horizon (default 7 days). */
  readonly ttlMs?: number;
  /**
   * Replicas that must have a lease or mark before the call returns (Redis `WAIT`);
   * 0 (default) does not wait. Redis replicates asynchronously: a primary that dies
   * right after a write may take it with it, and the replica promoted in its place
   * would let the job be sent again. With 1, a write is on two nodes before the worker
   * sends (lease) or commits (mark).
   */
  readonly waitReplicas?: number;
  /**
   * Longest wait for those replicas (default 100 ms). Past it a lease goes on anyway (a
   * shard whose replica is gone, just promoted, keeps sending), while a mark write
   * fails (DependencyError): the pipeline keeps the mark in memory and writes it again
   * every second until a replica has it, so a failover cannot lose it.
   */
  readonly waitMs?: number;
}

type ScriptRedis = RedisClient & {
  heraldIdemRelease(key: string, owner: string): Promise<number>;
};

type ScriptPipeline = ChainableCommander & {
  heraldIdemAcquire(key: string, owner: string, leaseMs: number): ChainableCommander;
};

const ACQUIRED: AcquireResult = { status: 'acquired' };

function acquireResult([status, detail]: [string, string | number]): AcquireResult {
  if (status === 'sent') return { status: 'sent', summary: String(detail) };
  if (status === 'busy') return { status: 'busy', retryInMs: Math.max(1, Number(detail)) };
  return ACQUIRED;
}

function script(name: string): string {
  return readFileSync(new URL(`../lua/${name}`, import.meta.url), 'utf8');
}

/**
 * Durable "was this notification sent?" marks in Redis, one key per notification id
 * (`herald:idem:{<id>}`: the hash tag keeps each script on one Cluster slot). A worker
 * takes a lease before sending, turns it into a sent mark after, or gives it back.
 * Every Redis failure surfaces as a DependencyError.
 */
export class IdempotencyStore {
  readonly #redis: ScriptRedis;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #ttlMs: number;
  readonly #wait: ((pipeline: ChainableCommander) => void) | undefined;
  /** Fails a mark write that did not reach its replicas: the caller keeps the mark and writes it again. */
  readonly #replicated: ((reply: PipelineReply) => void) | undefined;

  constructor(redis: RedisClient, config: IdempotencyConfig = {}) {
    this.#prefix = config.keyPrefix ?? '';
    this.#leaseMs = config.leaseMs ?? 60_000;
    this.#ttlMs = config.ttlMs ?? 7 * 24 * 3_600_000;
    const replicas = config.waitReplicas ?? 0;
    const waitMs = config.waitMs ?? 100;
    this.#wait =
      replicas > 0 ? (pipeline) => void pipeline.call('WAIT', replicas, waitMs) : undefined;
    this.#replicated =
      replicas > 0
        ? ([err, acknowledged]) => {
            if (err) throw err;
            if (Number(acknowledged) < replicas)
              throw new Error(
                `sent marks reached ${Number(acknowledged)} of ${replicas} replicas within ${waitMs} ms`,
              );
          }
        : undefined;
    redis.defineCommand('heraldIdemAcquire', {
      numberOfKeys: 1,
      lua: script('idempotency-acquire-1.lua'),
    });
    redis.defineCommand('heraldIdemRelease', {
      numberOfKeys: 1,
      lua: script('idempotency-release-1.lua'),
    });
    this.#redis = redis as ScriptRedis;
  }

  key(notificationId: string): string {
    return `${this.#prefix}herald:idem:{${notificationId}}`;
  }

  async acquire(notificationId: string, owner: string): Promise<AcquireResult> {
    return (await this.acquireMany([{ notificationId, owner }]))[0]!;
  }

  /**
   * The leases of many notifications in one round trip (a pipeline: one write, and
   * per-node batches on a Cluster), in the order asked; with `waitReplicas`, each
   * batch ends with a WAIT on its node. Each is decided on its own, as the acquire
   * script would (lua/idempotency-acquire-1.lua); ask for a notification id once per call.
   *
   * The common case, a notification nobody holds, costs one plain `SET key lease NX PX`
   * (one command in Redis) instead of the script (EVALSHA plus its GET and SET: three).
   * Only a key that is already there (a sent mark, our own lease on a retried chunk,
   * another owner's lease) goes on to the script, which decides it atomically as
   * before: the key may have changed in between, and the script reads it afresh.
   */
  async acquireMany(
    requests: readonly { readonly notificationId: string; readonly owner: string }[],
  ): Promise<AcquireResult[]> {
    if (requests.length === 0) return [];
    return this.#call(async () => {
      const keys = requests.map((r) => this.key(r.notificationId));
      const results = new Array<AcquireResult>(requests.length);
      const indexes = requests.map((_, i) => i);
      const claimed = await pipelineByNode(
        this.#redis,
        indexes,
        (i) => keys[i]!,
        (pipeline, i) =>
          pipeline.set(keys[i]!, `lease:${requests[i]!.owner}`, 'PX', this.#leaseMs, 'NX'),
        this.#wait,
      );
      const taken: number[] = [];
      claimed.forEach(([err, reply], i) => {
        if (err) throw err;
        if (reply === 'OK') results[i] = ACQUIRED;
        else taken.push(i);
      });
      if (taken.length === 0) return results;
      const decided = await pipelineByNode(
        this.#redis,
        taken,
        (i) => keys[i]!,
        (pipeline, i) =>
          (pipeline as ScriptPipeline).heraldIdemAcquire(
            keys[i]!,
            requests[i]!.owner,
            this.#leaseMs,
          ),
        this.#wait,
      );
      decided.forEach(([err, reply], j) => {
        if (err) throw err;
        results[taken[j]!] = acquireResult(reply as [string, string | number]);
      });
      return results;
    });
  }

  /**
   * Turns the lease into a sent mark, whoever holds it: a send that happened is a fact,
   * even if the lease ran out meanwhile. A plain SET, so no script runs for it.
   */
  async complete(notificationId: string, summary: string): Promise<void> {
    await this.completeMany([{ notificationId, summary }]);
  }

  /** The sent marks of many notifications in one round trip (a pipeline), as {@link complete}. */
  async completeMany(
    marks: readonly { readonly notificationId: string; readonly summary: string }[],
  ): Promise<void> {
    if (marks.length === 0) return;
    await this.#call(async () => {
      const results = await pipelineByNode(
        this.#redis,
        marks,
        (m) => this.key(m.notificationId),
        (pipeline, m) =>
          pipeline.set(this.key(m.notificationId), `sent:${m.summary}`, 'PX', this.#ttlMs),
        this.#wait,
        this.#replicated,
      );
      for (const [err] of results) if (err) throw err;
    });
  }

  async release(notificationId: string, owner: string): Promise<void> {
    await this.#call(() => this.#redis.heraldIdemRelease(this.key(notificationId), owner));
  }

  async #call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      throw new DependencyError('redis', err);
    }
  }
}
