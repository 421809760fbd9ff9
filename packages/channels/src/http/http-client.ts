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

/**
 * One keep-alive connection pool per provider, with the SSRF policy applied before
 * sending and again at connect time when `guard` is on.
 */
export class HttpClient {
  readonly timeoutMs: number;
  readonly #agent: Agent;
  readonly #options: HttpClientOptions;
  readonly #decide: ReturnType<typeof addressPolicy> | undefined;
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

  get closed(): boolean {
    return this.#agent.closed;
  }

  /** Never throws: a refused target comes back as an error result carrying the HeraldError. */
  async send(req: Omit<HttpRequest, 'dispatcher' | 'timeoutMs'>): Promise<HttpResult> {
    if (this.#decide !== undefined) {
      try {
        await assertTargetAllowed(req.url, this.#decide, this.#options.lookup);
      } catch (error) {
        return { kind: 'error', cause: 'network', error };
      }
    }
    return httpSend({ ...req, timeoutMs: this.timeoutMs, dispatcher: this.#agent });
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
export function assertSize(provider: string, what: string, body: string, limit: number): void {
  const size = Buffer.byteLength(body);
  if (size > limit) {
    throw new HeraldError('HERALD_ERR_CONTENT_TOO_LARGE', [
      provider,
      `${what} is ${size} bytes, the limit is ${limit}`,
    ]);
  }
}
