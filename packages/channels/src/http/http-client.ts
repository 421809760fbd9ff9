import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';
import { HeraldError, once } from '@herald/core';
import { addressPolicy, type AddressPolicyConfig } from '../net/address-policy.js';
import { assertTargetAllowed, guardedLookup } from '../net/guarded-lookup.js';
import { httpSend, type HttpRequest, type HttpResult } from './http-send.js';

export interface HttpClientOptions extends AddressPolicyConfig {
  readonly timeoutMs: number;
  /**
   * Check targets against the SSRF policy: on for URLs that come from recipients
   * (webhooks, Slack/Discord/Teams webhook URLs), off for a provider's fixed API base.
   */
  readonly guard: boolean;
  readonly lookup?: LookupFunction;
  readonly connectionsPerOrigin?: number;
}

const ALLOWED_HOST_TTL_MS = 30_000;
const ALLOWED_HOSTS_MAX = 10_000;

/**
 * One keep-alive connection pool per provider, with the SSRF policy applied before
 * sending and again at connect time when `guard` is on.
 */
export class HttpClient {
  readonly timeoutMs: number;
  readonly #agent: Agent;
  readonly #options: HttpClientOptions;
  readonly #decide: ReturnType<typeof addressPolicy> | undefined;
  readonly #allowed = new Map<string, number>();
  readonly close: () => Promise<void>;

  constructor(options: HttpClientOptions) {
    this.#options = options;
    this.timeoutMs = options.timeoutMs;
    this.#decide = options.guard ? addressPolicy(options) : undefined;
    this.#agent = new Agent({
      connections: options.connectionsPerOrigin ?? 16,
      keepAliveTimeout: 4_000,
      connect: {
        timeout: options.timeoutMs,
        ...(this.#decide === undefined
          ? {}
          : { lookup: guardedLookup(this.#decide, options.lookup) }),
      },
    });
    this.close = once(() => this.#agent.close());
  }

  /**
   * Hosts that passed the pre-flight check lately skip it: it costs a DNS lookup (a
   * thread-pool task) per request otherwise. Safe because the agent's lookup checks
   * every address again whenever it opens a connection; only refusals are never cached.
   */
  #recentlyAllowed(hostname: string): boolean {
    const until = this.#allowed.get(hostname);
    return until !== undefined && until > performance.now();
  }

  #remember(hostname: string): void {
    if (this.#allowed.size >= ALLOWED_HOSTS_MAX) this.#allowed.clear();
    this.#allowed.set(hostname, performance.now() + ALLOWED_HOST_TTL_MS);
  }

  get closed(): boolean {
    return this.#agent.closed;
  }

  /** Never throws: a refused target comes back as an error result carrying the HeraldError. */
  async send(req: HttpRequest): Promise<HttpResult> {
    if (this.#decide !== undefined && !this.#recentlyAllowed(req.url.hostname)) {
      try {
        await assertTargetAllowed(req.url, this.#decide, this.#options.lookup);
        this.#remember(req.url.hostname);
      } catch (error) {
        return { kind: 'error', cause: 'network', error };
      }
    }
    return httpSend(req, this.#agent, this.timeoutMs);
  }
}

/** Parses a URL from a recipient address; a HeraldError-free permanent failure reason when it is not http(s). */
export function parseHttpUrl(address: string): URL | string {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return 'recipient address is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `only http and https URLs are delivered, got ${url.protocol}`;
  }
  return url;
}

/** Throws HERALD_ERR_CONTENT_TOO_LARGE when `body` is over `limit` bytes. */
export function assertSize(
  provider: string,
  what: string,
  body: string | Buffer,
  limit: number,
): void {
  const size = Buffer.byteLength(body);
  if (size > limit) {
    throw new HeraldError('HERALD_ERR_CONTENT_TOO_LARGE', [
      provider,
      `${what} is ${size} bytes, the limit is ${limit}`,
    ]);
  }
}
