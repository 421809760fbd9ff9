import { readFileSync } from 'node:fs';
import { DependencyError } from './dependency-error.js';
import { MarkScript, type MarksRedis, type ReplicaWait } from './marks-redis.js';

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

const ACQUIRED: AcquireResult = { status: 'acquired' };

function acquireResult([status, detail]: [string, string | number]): AcquireResult {
  if (status === 'sent') return { status: 'sent', summary: String(detail) };
  if (status === 'busy') return { status: 'busy', retryInMs: Math.max(1, Number(detail)) };
  return ACQUIRED;
}

function script(name: string): MarkScript {
  return new MarkScript(readFileSync(new URL(`../lua/${name}`, import.meta.url), 'utf8'));
}

const ACQUIRE = script('idempotency-acquire-1.lua');
const RELEASE = script('idempotency-release-1.lua');

/**
 * Durable "was this notification sent?" marks in Redis, one key per notification id
 * (`herald:idem:{<id>}`: the hash tag keeps each script on one Cluster slot). A worker
 * takes a lease before sending, turns it into a sent mark after, or gives it back.
 * Every Redis failure surfaces as a DependencyError.
 */
export class IdempotencyStore {
  readonly #redis: MarksRedis;
  readonly #prefix: string;
  readonly #leaseMs: number;
  readonly #ttlMs: number;
  readonly #wait: ReplicaWait | undefined;

  /** `redis`: `new MarksRedis(url)`; the store connects it on first use, see {@link MarksRedis}. */
  constructor(redis: MarksRedis, config: IdempotencyConfig = {}) {
    this.#redis = redis;
    this.#prefix = config.keyPrefix ?? '';
    this.#leaseMs = config.leaseMs ?? 60_000;
    this.#ttlMs = config.ttlMs ?? 7 * 24 * 3_600_000;
    const replicas = config.waitReplicas ?? 0;
    this.#wait = replicas > 0 ? { replicas, timeoutMs: config.waitMs ?? 100 } : undefined;
  }

  key(notificationId: string): string {
    return `${this.#prefix}herald:idem:{${notificationId}}`;
  }

  async acquire(notificationId: string, owner: string): Promise<AcquireResult> {
    return (await this.acquireMany([{ notificationId, owner }]))[0]!;
  }

  /**
   * The leases of many notifications in one round trip (one write, and one per node on
   * a Cluster), in the order asked; with `waitReplicas`, a WAIT on each node written to. Each is decided on its own, as the acquire
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
      // Past the wait a lease goes on anyway (IdempotencyConfig.waitMs): its count is not checked.
      const claimed = await this.#redis.setMany(
        requests.map((r, i) => ({
          key: keys[i]!,
          value: `lease:${r.owner}`,
          ttlMs: this.#leaseMs,
          ifAbsent: true,
        })),
        this.#wait,
      );
      const taken: number[] = [];
      claimed.replies.forEach((reply, i) => {
        if (reply === 'OK') results[i] = ACQUIRED;
        else taken.push(i);
      });
      if (taken.length === 0) return results;
      const decided = await this.#redis.evalMany(
        ACQUIRE,
        taken.map((i) => ({
          key: keys[i]!,
          args: [requests[i]!.owner, String(this.#leaseMs)],
        })),
        this.#wait,
      );
      decided.replies.forEach((reply, j) => {
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

  /**
   * The sent marks of many notifications in one round trip, as {@link complete}. With
   * `waitReplicas`, fails when a node's replicas did not all have them within `waitMs`.
   */
  async completeMany(
    marks: readonly { readonly notificationId: string; readonly summary: string }[],
  ): Promise<void> {
    if (marks.length === 0) return;
    await this.#call(async () => {
      const { replicas } = await this.#redis.setMany(
        marks.map((m) => ({
          key: this.key(m.notificationId),
          value: `sent:${m.summary}`,
          ttlMs: this.#ttlMs,
        })),
        this.#wait,
      );
      const wait = this.#wait;
      if (wait && (replicas ?? 0) < wait.replicas)
        throw new Error(
          `sent marks reached ${replicas ?? 0} of ${wait.replicas} replicas within ${wait.timeoutMs} ms`,
        );
    });
  }

  async release(notificationId: string, owner: string): Promise<void> {
    await this.#call(() =>
      this.#redis.evalMany(RELEASE, [{ key: this.key(notificationId), args: [owner] }]),
    );
  }

  async #call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      throw new DependencyError('redis', err);
    }
  }
}
