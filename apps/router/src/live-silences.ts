import type { Logger } from '@herald/core';
import type { Silence } from '@herald/rules';
import type { SilenceStore } from '@herald/store';

/**
 * The router's silences: the ones not ended (active or to come), read from Postgres at
 * start and every `pollMs` after, like the rules, and swapped in with one assignment.
 * Whether a silence is active is decided per event with the router's clock
 * (`silenceFor`), so one that starts or ends between polls takes effect on time. When
 * Postgres does not answer a poll, the last list stays in force (logged); at start it
 * must answer.
 */
export class LiveSilences {
  #current: readonly Silence[] = [];
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;

  constructor(
    private readonly store: SilenceStore,
    private readonly pollMs: number,
    private readonly now: () => Date,
    private readonly log: Logger,
  ) {}

  get current(): readonly Silence[] {
    return this.#current;
  }

  async start(): Promise<void> {
    await this.#load();
    const tick = (): void => {
      this.#polling = this.#load()
        .catch((err: unknown) =>
          this.log.warn(
            { err: (err as Error).message, silences: this.#current.length },
            'silences poll failed: keeping the last list',
          ),
        )
        .finally(() => {
          if (this.#timer !== undefined) this.#timer = setTimeout(tick, this.pollMs);
        });
    };
    this.#timer = setTimeout(tick, this.pollMs);
  }

  async stop(): Promise<void> {
    const timer = this.#timer;
    this.#timer = undefined;
    clearTimeout(timer);
    await this.#polling;
  }

  /** Reads the list now; for tests and admin hooks. */
  async refresh(): Promise<void> {
    await this.#load();
  }

  async #load(): Promise<void> {
    const rows = await this.store.current(this.now());
    const before = this.#current.length;
    this.#current = Object.freeze(rows.map((r) => Object.freeze({ ...r })));
    if (rows.length !== before) this.log.info({ silences: rows.length }, 'silences reloaded');
  }
}
