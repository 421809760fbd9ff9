import { readFile } from 'node:fs/promises';
import type { Logger } from '@herald/core';
import { loadRules, type LoadRulesOptions, type RuleSet } from '@herald/rules';
import type { RuleStore } from '@herald/store';

const EMPTY = 'rules: []\n';

/**
 * The router's current rule set. From a file: read once at start (a bad file fails
 * start-up). From Postgres: the latest applied version, then a poll every
 * `pollMs` for a newer one, loaded with `loadRules` and swapped in with one
 * assignment, so a chunk in flight keeps the set it started with. A version that
 * does not load (or Postgres being down) is logged as a warning and the last good
 * set keeps routing; the next poll tries again.
 */
export class LiveRules {
  #current: RuleSet;
  #version = 0;
  #failedVersion = 0;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  readonly #log: Logger;
  readonly #options: LoadRulesOptions;

  constructor(
    readonly source:
      | { readonly kind: 'file'; readonly file: string }
      | { readonly kind: 'postgres'; readonly store: RuleStore; readonly pollMs: number },
    options: LoadRulesOptions,
    logger: Logger,
  ) {
    this.#options = options;
    this.#log = logger;
    this.#current = loadRules(EMPTY, 'empty', options);
  }

  get current(): RuleSet {
    return this.#current;
  }

  /** The applied version in use (0: none, or a file). */
  get version(): number {
    return this.#version;
  }

  async start(): Promise<void> {
    if (this.source.kind === 'file') {
      const text = await readFile(this.source.file, 'utf8');
      this.#current = loadRules(text, this.source.file, this.#options);
      this.#log.info({ file: this.source.file, rules: this.#current.rules.length }, 'rules loaded');
      return;
    }
    // At start, Postgres must answer (like Kafka must); a bad version is skipped.
    await this.#refresh(true);
    if (this.#version === 0)
      this.#log.warn({}, 'no rules applied yet: nothing is routed until `herald rules apply`');
    const { pollMs } = this.source;
    const tick = (): void => {
      this.#polling = this.#refresh(false).finally(() => {
        if (this.#timer !== undefined) this.#timer = setTimeout(tick, pollMs);
      });
    };
    this.#timer = setTimeout(tick, pollMs);
  }

  async stop(): Promise<void> {
    const timer = this.#timer;
    this.#timer = undefined;
    clearTimeout(timer);
    await this.#polling;
  }

  /** Checks for a newer version now; resolves when it is in use (or was refused). */
  async refresh(): Promise<void> {
    await this.#refresh(false);
  }

  async #refresh(throwOnDbError: boolean): Promise<void> {
    if (this.source.kind !== 'postgres') return;
    const { store } = this.source;
    let latest: number;
    try {
      latest = await store.latestVersion();
      if (latest <= this.#version || latest === this.#failedVersion) return;
      const stored = await store.load(latest);
      if (stored === undefined) return;
      let next: RuleSet;
      try {
        next = loadRules(stored.source, `${stored.sourceName}@v${stored.version}`, {
          ...this.#options,
          ruleVersions: stored.revisions,
        });
      } catch (err) {
        this.#failedVersion = latest;
        this.#log.warn(
          { version: latest, keptVersion: this.#version, err: (err as Error).message },
          'rule set version failed to load: keeping the last good rules',
        );
        return;
      }
      const previous = this.#version;
      this.#current = next;
      this.#version = stored.version;
      this.#log.info(
        {
          version: stored.version,
          previous,
          rules: next.rules.length,
          appliedBy: stored.appliedBy,
        },
        'rules reloaded',
      );
    } catch (err) {
      if (throwOnDbError) throw err;
      this.#log.warn(
        { keptVersion: this.#version, err: (err as Error).message },
        'rules poll failed: keeping the last good rules',
      );
    }
  }
}
