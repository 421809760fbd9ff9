/**
 * Circuit breakers per provider endpoint (a webhook host, an SMTP server, an API).
 *
 * closed → open: over the last `windowMs`, at least `minRequests` results and a
 * failure ratio ≥ `failureRatio`. open → half-open: after `openMs`. half-open lets
 * `halfOpenProbes` requests through at a time; a success closes the breaker (fresh
 * window), a failure opens it again. While a breaker is not letting a request through,
 * the caller defers the job to `retryAt` rather than failing it.
 *
 * Pure state machines: the clock is passed in. Only transient failures count (a 4xx
 * validation error says nothing about the endpoint's health).
 */
export interface BreakerConfig {
  readonly windowMs: number;
  readonly minRequests: number;
  readonly failureRatio: number;
  readonly openMs: number;
  readonly halfOpenProbes: number;
}

export const defaultBreakerConfig: BreakerConfig = Object.freeze({
  windowMs: 30_000,
  minRequests: 20,
  failureRatio: 0.5,
  openMs: 30_000,
  halfOpenProbes: 1,
});

export type BreakerState = 'closed' | 'open' | 'half_open';

export type BreakerVerdict =
  | { readonly allowed: true; readonly probe: boolean }
  | { readonly allowed: false; readonly retryAt: number };

export interface BreakerSnapshot {
  readonly endpoint: string;
  readonly state: BreakerState;
  readonly requests: number;
  readonly failures: number;
  /** When it last opened (ms since epoch), if it ever did. */
  readonly openedAt?: number;
  readonly changes: number;
}

const BUCKETS = 10;

export class CircuitBreaker {
  readonly endpoint: string;
  readonly #config: BreakerConfig;
  readonly #now: () => number;
  readonly #onChange: (endpoint: string, from: BreakerState, to: BreakerState) => void;
  #state: BreakerState = 'closed';
  #openedAt: number | undefined;
  #probesInFlight = 0;
  #changes = 0;
  // Ring of buckets: [bucket start, requests, failures].
  #buckets: [number, number, number][] = [];

  constructor(
    endpoint: string,
    config: BreakerConfig,
    now: () => number,
    onChange: (endpoint: string, from: BreakerState, to: BreakerState) => void = () => {},
  ) {
    this.endpoint = endpoint;
    this.#config = config;
    this.#now = now;
    this.#onChange = onChange;
  }

  get state(): BreakerState {
    this.#advance();
    return this.#state;
  }

  /** Asks to send one request; a probe must be followed by `record`. */
  allow(): BreakerVerdict {
    this.#advance();
    const now = this.#now();
    if (this.#state === 'closed') return { allowed: true, probe: false };
    if (this.#state === 'open')
      return { allowed: false, retryAt: this.#openedAt! + this.#config.openMs };
    if (this.#probesInFlight < this.#config.halfOpenProbes) {
      this.#probesInFlight++;
      return { allowed: true, probe: true };
    }
    return { allowed: false, retryAt: now + Math.min(this.#config.openMs, 5_000) };
  }

  /** Records the outcome of an allowed request: `false` for a transient failure. */
  record(success: boolean, probe = false): void {
    this.#advance();
    if (probe) this.#probesInFlight = Math.max(0, this.#probesInFlight - 1);
    if (this.#state === 'half_open') {
      if (success) {
        this.#buckets = [];
        this.#transition('closed');
      } else this.#open();
      return;
    }
    if (this.#state === 'open') return;
    const now = this.#now();
    const width = this.#config.windowMs / BUCKETS;
    const start = Math.floor(now / width) * width;
    let bucket = this.#buckets[this.#buckets.length - 1];
    if (!bucket || bucket[0] !== start) {
      bucket = [start, 0, 0];
      this.#buckets.push(bucket);
    }
    bucket[1]++;
    if (!success) bucket[2]++;
    const { requests, failures } = this.#totals();
    if (
      !success &&
      requests >= this.#config.minRequests &&
      failures / requests >= this.#config.failureRatio
    )
      this.#open();
  }

  snapshot(): BreakerSnapshot {
    const { requests, failures } = this.#totals();
    return {
      endpoint: this.endpoint,
      state: this.state,
      requests,
      failures,
      ...(this.#openedAt === undefined ? {} : { openedAt: this.#openedAt }),
      changes: this.#changes,
    };
  }

  #totals(): { requests: number; failures: number } {
    const horizon = this.#now() - this.#config.windowMs;
    this.#buckets = this.#buckets.filter(
      ([start]) => start + this.#config.windowMs / BUCKETS > horizon,
    );
    let requests = 0;
    let failures = 0;
    for (const [, r, f] of this.#buckets) {
      requests += r;
      failures += f;
    }
    return { requests, failures };
  }

  #advance(): void {
    if (this.#state === 'open' && this.#now() >= this.#openedAt! + this.#config.openMs) {
      this.#probesInFlight = 0;
      this.#transition('half_open');
    }
  }

  #open(): void {
    this.#openedAt = this.#now();
    this.#buckets = [];
    this.#transition('open');
  }

  #transition(to: BreakerState): void {
    if (to === this.#state) return;
    const from = this.#state;
    this.#state = to;
    this.#changes++;
    this.#onChange(this.endpoint, from, to);
  }
}

/**
 * One breaker per endpoint, made on first use. `snapshot()` is the read API for
 * metrics and `herald status`; `onChange` is called on every transition (the worker
 * logs it).
 */
export class BreakerRegistry {
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #config: BreakerConfig;
  readonly #now: () => number;
  readonly #onChange: (endpoint: string, from: BreakerState, to: BreakerState) => void;

  constructor(
    config: BreakerConfig = defaultBreakerConfig,
    now: () => number = Date.now,
    onChange: (endpoint: string, from: BreakerState, to: BreakerState) => void = () => {},
  ) {
    this.#config = config;
    this.#now = now;
    this.#onChange = onChange;
  }

  for(endpoint: string): CircuitBreaker {
    let breaker = this.#breakers.get(endpoint);
    if (!breaker) {
      breaker = new CircuitBreaker(endpoint, this.#config, this.#now, this.#onChange);
      this.#breakers.set(endpoint, breaker);
    }
    return breaker;
  }

  snapshot(): BreakerSnapshot[] {
    return [...this.#breakers.values()].map((b) => b.snapshot());
  }
}

/** URL addresses whose endpoint `endpointOf` keeps (all dropped when full, as the webhook's URLs are). */
const URL_ENDPOINTS_MAX = 10_000;
/** provider → URL address → its endpoint (`<provider>:<host>`), worked out once. */
const urlEndpoints = new Map<string, Map<string, string>>();

/**
 * The endpoint a job's send reaches, for its breaker: the host of URL addresses
 * (webhooks, Slack/Discord/Teams incoming webhooks), else the provider itself (one
 * SMTP server, one API). A URL address's endpoint is kept: a worker asks for every job
 * it sends, its URL receivers are few, and `new URL` plus the joined name cost about as
 * much as the rest of choosing a provider (docs/benchmarks.md, "Round 8 (issue 19): app
 * CPU per delivery"). Other addresses (e-mail, phone: one per recipient) are not kept.
 */
export function endpointOf(providerName: string, address: string): string {
  if (!/^https?:\/\//i.test(address)) return providerName;
  let byAddress = urlEndpoints.get(providerName);
  const known = byAddress?.get(address);
  if (known !== undefined) return known;
  let endpoint = providerName;
  try {
    endpoint = `${providerName}:${new URL(address).host}`;
  } catch {
    // not a URL after all: the provider as a whole
  }
  if (byAddress === undefined) urlEndpoints.set(providerName, (byAddress = new Map()));
  if (byAddress.size >= URL_ENDPOINTS_MAX) byAddress.clear();
  byAddress.set(address, endpoint);
  return endpoint;
}
