import { Counter, type CounterConfiguration } from 'prom-client';

/** A prom-client counter with one or two labels, counted per record through `add`. */
export interface TalliedCounter<T extends string> {
  /** The counter itself, in its registry as any other: read it (or scrape) to see the counts. */
  readonly counter: Counter<T>;
  /** One increment of the series whose label values are `first` (and `second`), in `labelNames` order. */
  add(first: string, second?: string): void;
}

/**
 * A counter for the per-record path: `add` counts into a Map keyed by the label values,
 * and the counts are added to the counter when it is read (prom-client runs `collect`
 * before every read: a scrape, `registry.metrics()`, `counter.get()`), so whoever reads
 * it sees every increment made before the read. prom-client's own `inc({ label })`
 * hashes and validates the label object on every call: 85 ns for one label and 145 ns
 * for two on this machine, against under 10 ns for the Map (docs/benchmarks.md,
 * "Round 6 (issue 19): app CPU per delivery"). Label values are closed lists or
 * configuration, as for every Herald metric, so the Map stays small; a count
 * of zero stays in it so the steady state allocates nothing.
 *
 * @example
 * const consumed = talliedCounter({ name: 'x_total', help: '…', labelNames: ['mode'], registers });
 * consumed.add('structured'); // herald reads it at the next scrape
 */
export function talliedCounter<T extends string>(
  config: CounterConfiguration<T>,
): TalliedCounter<T> {
  const names = config.labelNames ?? [];
  if (names.length < 1 || names.length > 2)
    throw new Error(`talliedCounter ${config.name}: takes one or two label names`);
  const [firstName, secondName] = names as readonly T[];
  // first label value → second label value ('' with one label) → increments not yet added.
  const counts = new Map<string, Map<string, number>>();
  const collect = config.collect;
  const counter: Counter<T> = new Counter<T>({
    ...config,
    collect(this: Counter<T>) {
      for (const [first, inner] of counts)
        for (const [second, n] of inner) {
          if (n === 0) continue;
          inner.set(second, 0);
          const labels = { [firstName!]: first } as Partial<Record<T, string>>;
          if (secondName !== undefined) labels[secondName] = second;
          this.inc(labels, n);
        }
      return collect?.call(this);
    },
  });
  return {
    counter,
    add(first, second = '') {
      let inner = counts.get(first);
      if (inner === undefined) counts.set(first, (inner = new Map()));
      inner.set(second, (inner.get(second) ?? 0) + 1);
    },
  };
}
