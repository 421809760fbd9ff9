import type { LookupFunction } from 'node:net';
import {
  HeraldError,
  requireAddress,
  type ChannelName,
  type DeliveryJob,
  type DeliveryOutcome,
  type DeliveryProvider,
  type RenderedContent,
} from '@herald/core';
import type { AddressPolicyConfig } from '../net/address-policy.js';
import { classifyNoResponse, describe, fromHeraldError } from '../outcomes.js';
import { assertSize, HttpClient } from './http-client.js';
import type { HttpResult } from './http-send.js';

/** Settings every HTTP-based provider shares. */
export interface HttpProviderOptions extends AddressPolicyConfig {
  /** Time allowed for each wait of a request: connect, headers, body (see `httpSend`). Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Clock used to turn `Retry-After` dates into delays. */
  readonly now?: () => Date;
  /** DNS lookup for guarded (recipient URL) targets; every answer passes the SSRF policy. */
  readonly lookup?: LookupFunction;
}

/** The request a provider builds for one job. */
export interface HttpCall {
  readonly url: URL;
  readonly method?: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  /** Text, or bytes for binary bodies (Web Push's encrypted record). */
  readonly body?: string | Buffer;
  /** Which of the provider's APIs this call uses, for `classify` (e.g. Slack webhook vs Web API). */
  readonly api?: string;
}

/** How one HTTP API is spoken: build the request, read the answer. */
export interface HttpProviderSpec {
  readonly name: string;
  readonly channel: ChannelName;
  /** True when the URL comes from the recipient, so the SSRF policy applies. */
  readonly guard: boolean;
  /** The provider's documented request size limit; larger bodies are refused before sending. */
  readonly maxBodyBytes: number;
  /** Throws a HeraldError for content or configuration the provider would refuse. */
  prepare(job: DeliveryJob, content: RenderedContent | undefined): HttpCall;
  classify(result: HttpResult & { kind: 'response' }, now: Date, call: HttpCall): DeliveryOutcome;
  /** A cheap authenticated call proving credentials and reachability, when the API has one. */
  readonly health?: HttpCall;
}

/** A {@link DeliveryProvider} that holds connections (HTTP pools, SDK clients, SMTP pools); `close()` releases them. */
export interface ChannelProvider extends DeliveryProvider {
  close(): Promise<void>;
}

export function createHttpProvider(
  spec: HttpProviderSpec,
  options: HttpProviderOptions,
): ChannelProvider {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const now = options.now ?? (() => new Date());
  const http = new HttpClient({ ...options, timeoutMs, guard: spec.guard });

  return {
    name: spec.name,
    channel: spec.channel,
    async send(job, content, signal) {
      let call: HttpCall;
      try {
        // The address from the job is checked again here, whatever planned it: one
        // address of the channel's kind, normalised (docs/channels.md, "Addresses").
        const address = requireAddress(spec.channel, job.recipient.address);
        call = spec.prepare(
          address === job.recipient.address
            ? job
            : { ...job, recipient: { ...job.recipient, address } },
          content,
        );
        if (call.body !== undefined)
          assertSize(spec.name, 'the request body', call.body, spec.maxBodyBytes);
      } catch (err) {
        if (err instanceof HeraldError) return fromHeraldError(err);
        return fromHeraldError(
          new HeraldError('HERALD_ERR_DELIVERY_PERMANENT', [`${spec.name}: ${describe(err)}`]),
        );
      }
      const result = await http.send({ ...call, signal });
      if (result.kind === 'error') return classifyNoResponse(spec.name, result, timeoutMs);
      return spec.classify(result, now(), call);
    },
    async healthCheck(signal) {
      if (http.closed) return { ok: false, detail: 'closed' };
      if (spec.health === undefined) return { ok: true, detail: 'no endpoint to probe' };
      const result = await http.send({ ...spec.health, signal });
      if (result.kind === 'error') return { ok: false, detail: result.cause };
      return {
        ok: result.statusCode >= 200 && result.statusCode < 300,
        detail: `HTTP ${result.statusCode}`,
      };
    },
    close: http.close,
  };
}

/** A permanent problem with the job's content or address, raised from `prepare`. */
export function unusable(provider: string, detail: string): HeraldError {
  return new HeraldError('HERALD_ERR_DELIVERY_PERMANENT', [`${provider}: ${detail}`]);
}

/** The string at `key` in the rendered content, or a permanent failure naming the missing part. */
export function requireText(
  provider: string,
  content: RenderedContent | undefined,
  key: string,
): string {
  const value = content?.[key];
  if (typeof value !== 'string' || value === '') {
    throw unusable(
      provider,
      `the rendered content has no "${key}"; give the template a "${key}" part`,
    );
  }
  return value;
}

/** Parses a JSON body, or undefined when it is not JSON (HTML error pages from proxies). */
export function jsonBody(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Per-tenant overrides merged over the shared settings. */
export function forTenant<T extends object>(
  shared: T,
  tenants: Readonly<Record<string, Partial<T>>> | undefined,
  tenant: string,
): T {
  const own = tenants?.[tenant];
  return own === undefined ? shared : { ...shared, ...own };
}
