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
 */
export class CommitQueue {
  readonly #send: (taken: readonly Taken[]) => Promise<void>;
  readonly #log: Logger;
  readonly #pending = new Map<string, Taken>();
  #flushing: Promise<void> | undefined;

  /** `send` commits what it is given (or gives up when it is no longer owned); it should not throw. */
  constructor(send: (taken: readonly Taken[]) => Promise<void>, log: Logger) {
    this.#send = send;
    this.#log = log;
  }

  /** Queues a finished chunk's positions; a commit starts now unless one is in flight. */
  add(chunk: readonly Taken[]): void {
    for (const taken of chunk) this.#pending.set(taken.key, taken);
    if (this.#flushing === undefined && this.#pending.size > 0) this.#flushing = this.#flush();
  }

  /** Resolves once everything queued so far was committed or given up (stop(), tests). */
  async drained(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #flush(): Promise<void> {
    // Settles after `add` stored the promise, so its `finally` cannot run first.
    await null;
    try {
      while (this.#pending.size > 0) {
        const batch = [...this.#pending.values()];
        this.#pending.clear();
        await this.#send(batch).catch((err: unknown) =>
          this.#log.warn({ err }, 'commit failed; the next chunk commits past it'),
        );
      }
    } finally {
      this.#flushing = undefined;
    }
  }
}
