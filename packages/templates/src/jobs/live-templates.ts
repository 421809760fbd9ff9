import { once, silentLogger, type Logger } from '@herald/core';
import type { TemplateRegistry } from '../template-registry.js';
import type { TemplateRegistryOptions } from '../template-registry-options.js';
import { buildTemplateRegistry, type TemplateSet } from './template-set.js';

/**
 * Where a worker reads its templates: the port `TemplateStore` in `@herald/store`
 * implements. `revision()` is a cheap marker that changes whenever a template,
 * partial or layout is saved; `load()` returns everything with the revision it is at.
 */
export interface TemplateSource {
  revision(): Promise<string>;
  load(): Promise<TemplateSet & { readonly revision: string }>;
}

export interface LiveTemplatesOptions {
  readonly source: TemplateSource;
  /** Helpers, limits, fallback locale and cache size of every registry built. */
  readonly registryOptions?: Omit<TemplateRegistryOptions, 'partials' | 'layouts'>;
  /** How often to ask the source for its revision. Default 10 000 ms. */
  readonly intervalMs?: number;
  readonly logger?: Logger;
}

/**
 * A registry kept in step with a {@link TemplateSource}: loaded in `start()` (a
 * failure there stops start-up), then re-built when the source's revision changes.
 * A reload that fails (database down, a stored template that no longer compiles)
 * keeps the previous registry and is logged; the next poll tries again. Renders in
 * flight keep the registry they started with.
 *
 * @example
 * const templates = new LiveTemplates({ source: new TemplateStore(db), logger });
 * await templates.start();
 * renderForJob(templates.registry, job, { now: new Date() });
 * await templates.stop();
 */
export class LiveTemplates {
  readonly #options: LiveTemplatesOptions;
  readonly #log: Logger;
  #registry: TemplateRegistry | undefined;
  #revision: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<boolean> | undefined;

  constructor(options: LiveTemplatesOptions) {
    this.#options = options;
    this.#log = (options.logger ?? silentLogger).child({ component: 'templates' });
  }

  /** The current registry; throws before `start()`. */
  get registry(): TemplateRegistry {
    if (this.#registry === undefined) throw new Error('LiveTemplates.start() was not called');
    return this.#registry;
  }

  /** The revision the current registry was built from. */
  get revision(): string | undefined {
    return this.#revision;
  }

  readonly start = once(async () => {
    await this.#load();
    this.#timer = setInterval(() => {
      this.refresh().catch((err: unknown) =>
        this.#log.warn({ err }, 'template reload failed; keeping the previous templates'),
      );
    }, this.#options.intervalMs ?? 10_000);
    this.#timer.unref();
  });

  /** Reloads now when the revision moved; true when a new registry is in use. */
  refresh(): Promise<boolean> {
    this.#refreshing ??= (async () => {
      try {
        const revision = await this.#options.source.revision();
        if (revision === this.#revision) return false;
        await this.#load();
        return true;
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  readonly stop = once(async () => {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#refreshing?.catch(() => undefined);
  });

  async #load(): Promise<void> {
    const set = await this.#options.source.load();
    const registry = buildTemplateRegistry(set, this.#options.registryOptions);
    this.#registry = registry;
    const previous = this.#revision;
    this.#revision = set.revision;
    this.#log.info(
      { revision: set.revision, previous, templates: set.templates.length },
      'templates loaded',
    );
  }
}
