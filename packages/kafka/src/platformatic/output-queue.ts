import type { OutputMessage } from '../output-message.js';
import type { Taken } from './partition-ledger.js';

/** A chunk's place in the queue: its outputs once handled (undefined: given up). */
interface Entry {
  readonly chunk: readonly Taken[];
  handled: boolean;
  outputs: readonly OutputMessage[] | undefined;
  settle: () => void;
}

/**
 * A platformatic stage's outputs when several chunks run at once (`chunksInFlight`): a
 * chunk's place is fixed when it is taken, and outputs are produced in that order, so a
 * commit never passes a chunk still running (issue 19 round 6). Chunks that finished
 * behind a slow one do not wait one produce round trip each: once the head is handled,
 * every handled chunk after it, up to the first still running, goes out in ONE produce,
 * then each is passed on (`done`: its commit is queued) in order.
 *
 * A chunk given up (handle or produce) with none of its partitions still owned is
 * skipped (the new owner redoes its records); one given up otherwise (stop() past its
 * deadline) closes the queue: no later chunk is produced or committed past it.
 */
export class OutputQueue {
  readonly #produce: (
    chunks: readonly (readonly Taken[])[],
    outputs: readonly OutputMessage[],
  ) => Promise<boolean>;
  readonly #done: (chunk: readonly Taken[]) => void;
  readonly #stale: (chunk: readonly Taken[]) => boolean;
  readonly #entries: Entry[] = [];
  #flushing = false;
  #open = true;

  /**
   * `produce` sends the outputs of the chunks given (retrying; false: given up); `done`
   * passes a produced chunk on (its commit); `stale`: none of the chunk's partitions is
   * still owned.
   */
  constructor(options: {
    readonly produce: (
      chunks: readonly (readonly Taken[])[],
      outputs: readonly OutputMessage[],
    ) => Promise<boolean>;
    readonly done: (chunk: readonly Taken[]) => void;
    readonly stale: (chunk: readonly Taken[]) => boolean;
  }) {
    this.#produce = options.produce;
    this.#done = options.done;
    this.#stale = options.stale;
  }

  /**
   * Takes `chunk`'s place; `handled` gives its outputs (undefined: given up). `over`
   * resolves once the chunk is out of the queue: passed on, skipped, or left behind a
   * closed queue.
   */
  enter(chunk: readonly Taken[]): {
    handled: (outputs: readonly OutputMessage[] | undefined) => void;
    over: Promise<void>;
  } {
    let settle!: () => void;
    const over = new Promise<void>((resolve) => (settle = resolve));
    const entry: Entry = { chunk, handled: false, outputs: undefined, settle };
    this.#entries.push(entry);
    return {
      handled: (outputs) => {
        entry.handled = true;
        entry.outputs = outputs;
        void this.#flush();
      },
      over,
    };
  }

  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#entries[0]?.handled) {
        // Every handled chunk from the head on, up to the first still running.
        const batch: Entry[] = [];
        while (this.#entries[0]?.handled) batch.push(this.#entries.shift()!);
        // Those before the first given up with partitions still owned (which closes the
        // queue); a given-up chunk whose partitions are all gone is skipped.
        const ahead: Entry[] = [];
        for (const entry of batch) {
          if (!this.#open) break;
          if (entry.outputs !== undefined) ahead.push(entry);
          else if (!this.#stale(entry.chunk)) this.#open = false;
        }
        if (ahead.length > 0) {
          const outputs = ahead.flatMap((entry) => entry.outputs!);
          const chunks = ahead.map((entry) => entry.chunk);
          const sent = outputs.length === 0 || (await this.#produce(chunks, outputs));
          if (sent) for (const chunk of chunks) this.#done(chunk);
          else if (!chunks.every((chunk) => this.#stale(chunk))) this.#open = false;
        }
        for (const entry of batch) entry.settle();
      }
    } finally {
      this.#flushing = false;
    }
  }
}
