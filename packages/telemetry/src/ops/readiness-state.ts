/**
 * What /readyz says over time: each round of check results, plus since when each failing
 * check has been failing. A probe that sees `redis` down at 10:02:00 and again at
 * 10:02:10 reports `since: 10:02:00`; the first passing round forgets it. Pure apart
 * from the injected clock, so the state is unit-tested without a server.
 */

export interface CheckResult {
  readonly ok: boolean;
  readonly error?: string;
}

export interface ReadinessCheckReport extends CheckResult {
  /** ISO time of the first failing round in the current streak (failing checks only). */
  readonly since?: string;
}

export interface ReadinessReport {
  readonly status: 'ok' | 'unavailable';
  readonly checks: Record<string, ReadinessCheckReport>;
  /** Failing rounds only: the earliest `since` of the failing checks. */
  readonly since?: string;
}

export class ReadinessState {
  readonly #now: () => number;
  readonly #failingSince = new Map<string, number>();

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * Records one round and returns its report. A check missing from `results` counts as
   * not failing any more (a start-up attempt that got past Redis no longer names it).
   */
  observe(results: Readonly<Record<string, CheckResult>>): ReadinessReport {
    const now = this.#now();
    for (const name of [...this.#failingSince.keys()])
      if (results[name]?.ok !== false) this.#failingSince.delete(name);
    const checks: Record<string, ReadinessCheckReport> = {};
    let earliest: number | undefined;
    for (const [name, result] of Object.entries(results)) {
      if (result.ok) {
        checks[name] = { ok: true };
        continue;
      }
      const since = this.#failingSince.get(name) ?? now;
      this.#failingSince.set(name, since);
      earliest = Math.min(earliest ?? since, since);
      checks[name] = {
        ok: false,
        ...(result.error === undefined ? {} : { error: result.error }),
        since: new Date(since).toISOString(),
      };
    }
    return earliest === undefined
      ? { status: 'ok', checks }
      : { status: 'unavailable', checks, since: new Date(earliest).toISOString() };
  }
}
