import type { LookupFunction } from 'node:net';
import type { AddressPolicyConfig } from '../net/address-policy.js';

/** One Standard Webhooks secret (`whsec_<base64>`), or several while rotating: every one signs. */
export type WebhookSecret = string | readonly string[];

/** Named secrets; a job picks one with `options.secretRef` (default `default`). */
export type WebhookSecrets = Readonly<Record<string, WebhookSecret>>;

/**
 * Configuration of {@link createWebhookProvider}. Secrets live here, never in a job.
 *
 * @example
 * const config: WebhookProviderConfig = {
 *   secrets: { default: ['whsec_new...', 'whsec_old...'] },
 *   tenants: { acme: { secrets: { default: 'whsec_acme...' } } },
 *   timeoutMs: 10_000,
 * };
 */
export interface WebhookProviderConfig extends AddressPolicyConfig {
  /** Secrets by reference name, shared by every tenant that has no secret of that name. */
  readonly secrets: WebhookSecrets;
  /** Per-tenant secrets, looked up before {@link secrets}. */
  readonly tenants?: Readonly<Record<string, { readonly secrets: WebhookSecrets }>>;
  /** Time allowed for each wait of a request: connect, headers, body (see `httpSend`). Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Largest JSON body sent. Default 256 KiB; a larger payload fails permanently before sending. */
  readonly maxPayloadBytes?: number;
  /** Keep-alive sockets per origin. Default 16. */
  readonly connectionsPerOrigin?: number;
  /** Sent as `user-agent`. Default `Herald-Webhooks/0.1`. */
  readonly userAgent?: string;
  /** Clock for `webhook-timestamp`. Default `() => new Date()`. */
  readonly now?: () => Date;
  /** DNS lookup (dns.lookup-compatible), for tests and custom resolvers. Every answer still passes the SSRF policy. */
  readonly lookup?: LookupFunction;
}
