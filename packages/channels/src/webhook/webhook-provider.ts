import {
  checkAddress,
  HeraldError,
  type DeliveryJob,
  type DeliveryOutcome,
  type RenderedContent,
} from '@herald/core';
import { HttpClient } from '../http/http-client.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { classifyHttp, classifyNoResponse, fromHeraldError, permanent } from '../outcomes.js';
import type { WebhookProviderConfig, WebhookSecrets } from './webhook-provider-config.js';
import { WebhookSigner } from './webhook-signer.js';

const NAME = 'webhook';
const DEFAULT_SECRET_REF = 'default';
// Headers Herald owns: the signature covers id, timestamp and body, and the body is JSON.
const RESERVED_HEADERS =
  /^(webhook-.*|content-type|content-length|host|transfer-encoding|connection)$/i;

/** A DeliveryProvider (see @herald/core) that also releases its keep-alive sockets. */
export interface WebhookProvider extends ChannelProvider {
  close(): Promise<void>;
}

/**
 * Delivers `job.payload` as JSON to the URL in `job.recipient.address`, signed per
 * Standard Webhooks. `webhook-id` is the notification id, stable across retries,
 * so a receiver can drop duplicates. Targets are checked against the SSRF policy
 * before sending and again when the socket connects.
 *
 * @example
 * const webhook = createWebhookProvider({ secrets: { default: 'whsec_...' } });
 * const outcome = await webhook.send(job, undefined, AbortSignal.timeout(30_000));
 * if (outcome.status === 'failed' && !outcome.permanent) scheduleRetry(outcome.retryAfterMs);
 * await webhook.close();
 */
export function createWebhookProvider(config: WebhookProviderConfig): WebhookProvider {
  const timeoutMs = config.timeoutMs ?? 10_000;
  const maxPayloadBytes = config.maxPayloadBytes ?? 256 * 1024;
  const userAgent = config.userAgent ?? 'Herald-Webhooks/0.1';
  const now = config.now ?? (() => new Date());
  const signers = buildSigners(config);
  const targets = new TargetCache();
  const http = new HttpClient({ ...config, timeoutMs, guard: true });

  async function send(
    job: DeliveryJob,
    content: RenderedContent | undefined,
    signal: AbortSignal,
  ): Promise<DeliveryOutcome> {
    const url = targets.get(job.recipient.address);
    if (!(url instanceof URL)) return url;
    const secretRef = job.options?.secretRef ?? DEFAULT_SECRET_REF;
    const signer =
      signers.get(`${job.tenant}\u0000${secretRef}`) ?? signers.get(`\u0000${secretRef}`);
    if (signer === undefined) {
      return fromHeraldError(
        new HeraldError('HERALD_ERR_WEBHOOK_SECRET', [
          `"${secretRef}" is not configured for tenant ${job.tenant}; add it to the webhook secrets`,
        ]),
      );
    }
    const extra = job.options?.headers ?? {};
    const reserved = Object.keys(extra).find((header) => RESERVED_HEADERS.test(header));
    if (reserved !== undefined) {
      return permanent(
        NAME,
        `custom header "${reserved}" is reserved by Herald; remove it from the rule`,
      );
    }
    // A webhook template renders `body`; without one the event's data goes out as is.
    const body = JSON.stringify(content?.body ?? job.payload ?? null);
    const size = Buffer.byteLength(body);
    if (size > maxPayloadBytes) {
      return fromHeraldError(
        new HeraldError('HERALD_ERR_CONTENT_TOO_LARGE', [
          NAME,
          `${size} bytes of JSON, the limit is ${maxPayloadBytes}`,
        ]),
      );
    }
    const timestamp = now();
    const result = await http.send({
      url,
      headers: {
        ...extra,
        'user-agent': userAgent,
        'content-type': 'application/json',
        'webhook-id': job.notificationId,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signer.sign(job.notificationId, timestamp, body),
      },
      body,
      signal,
    });
    if (result.kind === 'error') return classifyNoResponse(NAME, result, timeoutMs);
    return classifyHttp(`${NAME} ${url.host}`, result, now());
  }

  return {
    name: NAME,
    channel: 'webhook',
    send,
    // Webhooks have no shared endpoint to probe; per-target health is the circuit breaker's job.
    healthCheck: async () => ({
      ok: !http.closed,
      detail: http.closed ? 'closed' : 'no shared endpoint to probe',
    }),
    close: http.close,
  };
}

const TARGETS_MAX = 10_000;

/**
 * Recipient URLs by address, checked and parsed once: a webhook's receivers are few and
 * sent to again and again, and checkAddress + `new URL` (two URL parses) cost about half
 * a microsecond per send (docs/benchmarks.md, round 4 "HTTP send path"). Refusals are not
 * kept. The URLs are only read, never changed, so sends can share them.
 */
class TargetCache {
  readonly #urls = new Map<string, URL>();

  /** The address's URL, or the permanent failure for an address that is not one. */
  get(address: string): URL | DeliveryOutcome {
    const cached = this.#urls.get(address);
    if (cached !== undefined) return cached;
    // One http(s) URL without white space or control characters (docs/channels.md, "Addresses").
    const checked = checkAddress('webhook', address);
    if (!checked.ok) return fromHeraldError(checked.error);
    const url = new URL(checked.address);
    if (this.#urls.size >= TARGETS_MAX) this.#urls.clear();
    this.#urls.set(address, url);
    return url;
  }
}

// Signers are built once at start-up, so a malformed secret stops the worker instead of failing sends.
function buildSigners(config: WebhookProviderConfig): Map<string, WebhookSigner> {
  const signers = new Map<string, WebhookSigner>();
  const add = (tenant: string, secrets: WebhookSecrets) => {
    for (const [ref, value] of Object.entries(secrets)) {
      const list = typeof value === 'string' ? [value] : [...value];
      signers.set(
        `${tenant}\u0000${ref}`,
        new WebhookSigner(list, tenant === '' ? ref : `${tenant}/${ref}`),
      );
    }
  };
  add('', config.secrets);
  for (const [tenant, { secrets }] of Object.entries(config.tenants ?? {})) add(tenant, secrets);
  return signers;
}
