import type { Logger } from '@herald/core';
import type { Taken } from './partition-ledger.js';

/**
 * The platformatic loop's commits, off the path of the next chunk (issue 19 item 5): a
 * chunk whose outputs are acknowledged queues its records' positions here and the loop
 * takes the next chunk at once, instead of waiting a commit round trip per chunk.
 *
 * One commit is in flight at a time; positions queued meanwhile merge (the latest
 * record per partition) into the next one, so commits go out in order, never move a
 * partition back, and under load cost one request per round trip rather than one per
 * chunk. Only acknowledged chunks are queued, in the order they ran, so a commit still
 * never passes a record whose outputs are not acknowledged; a crash before a queued
 * commit redoes those records (duplicates absorbed downstream), it loses nothing.
 *
 * `minIntervalMs` (issue 19 item 4, HERALD_KAFKA_COMMIT_INTERVAL_MS): a commit starts
 * no sooner than that long after the previous one started, and everything acknowledged
 * meanwhile merges into it. At moderate rates a chunk holds a few records, so without it
 * each stage sends about one OffsetCommit per chunk; with it, at most one per interval.
 * Commits are off the records' path, so no record waits for it; what it costs is what a
 * crash redoes (at most the interval's records, besides the one commit in flight), which
 * the deterministic ids downstream absorb as duplicates. A commit after an idle interval
 * goes at once; `flushNow()` (a rebalance beginning) and `drained()` (stop) do not wait.
 */
export class CommitQueue {
  readonly #send: (taken: readonly Taken[]) => Promise<void>;
  readonly #log: Logger;
  readonly #minIntervalMs: number;
  readonly #pending = new Map<string, Taken>();
  #flushing: Promise<void> | undefined;
  /** When the last commit started (performance.now()); none yet: long ago. */
  #lastStart = Number.NEGATIVE_INFINITY;
  /** Ends the current wait for the interval (set while one runs). */
  #endWait: (() => void) | undefined;
  /** The next commit goes without waiting for the interval (a rebalance began). */
  #hurry = false;
  /** drained() calls waiting: while any does, commits do not wait for the interval. */
  #draining = 0;

  /**
   * `send` commits what it is given (or gives up when it is no longer owned); it should
   * not throw. `minIntervalMs` 0 (the default): a commit starts as soon as the previous
   * one ended.
   */
  constructor(
    send: (taken: readonly Taken[]) => Promise<void>,
    log: Logger,
    options: { readonly minIntervalMs?: number } = {},
  ) {
    this.#send = send;
    this.#log = log;
    this.#minIntervalMs = Math.max(0, options.minIntervalMs ?? 0);
  }

  /** Queues a finished chunk's positions; a commit starts now unless one is in flight or waiting. */
  add(chunk: readonly Taken[]): void {
    for (const taken of chunk) this.#pending.set(taken.key, taken);
    if (this.#flushing === undefined && this.#pending.size > 0) this.#flushing = this.#flush();
  }

  /**
   * What is queued is committed at once, without waiting for the interval (a rebalance
   * began: commit what was acknowledged while the partitions are still ours).
   */
  flushNow(): void {
    if (this.#pending.size === 0) return;
    this.#hurry = true;
    this.#endWait?.();
  }

  /** Resolves once everything queued so far was committed or given up (stop(), tests). */
  async drained(): Promise<void> {
    this.#draining++;
    try {
      this.#endWait?.();
      while (this.#flushing) await this.#flushing;
    } finally {
      this.#draining--;
    }
  }

  async #flush(): Promise<void> {
    // Settles after `add` stored the promise, so its `finally` cannot run first.
    await null;
    try {
      while (this.#pending.size > 0) {
        const wait = this.#lastStart + this.#minIntervalMs - performance.now();
        if (wait > 0 && !this.#hurry && this.#draining === 0) await this.#wait(wait);
        this.#hurry = false;
        const batch = [...this.#pending.values()];
        this.#pending.clear();
        this.#lastStart = performance.now();
        await this.#send(batch).catch((err: unknown) =>
          this.#log.warn({ err }, 'commit failed; the next chunk commits past it'),
        );
      }
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Waits `ms`, or less when flushNow() or drained() ends the wait. */
  async #wait(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#endWait = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#endWait = undefined;
  }
}
