import webPush from 'web-push';
import { providerLimits } from '@herald/core';
import {
  createHttpProvider,
  forTenant,
  requireText,
  unusable,
  type ChannelProvider,
  type HttpCall,
  type HttpProviderOptions,
} from '../http/http-provider.js';
import { parseRetryAfter } from '../http/retry-after.js';
import { assertLimit } from '../limits.js';
import { addressGone, classifyHttp, permanent, sent, summarize, transient } from '../outcomes.js';

export interface WebPushCredentials {
  /** VAPID public key, base64url (the `applicationServerKey` the browser subscribed with). */
  readonly vapidPublicKey?: string;
  /** VAPID private key, base64url. */
  readonly vapidPrivateKey?: string;
  /** Contact the push service may use: `mailto:ops@acme.dev` or an https URL. */
  readonly subject?: string;
}

export interface WebPushProviderConfig extends HttpProviderOptions, WebPushCredentials {
  /** Seconds the push service keeps an undelivered message. Default 86 400. */
  readonly ttlSeconds?: number;
  readonly tenants?: Readonly<Record<string, WebPushCredentials>>;
}

const URGENCIES = new Set(['very-low', 'low', 'normal', 'high']);

/**
 * Problems with VAPID credentials, or undefined when `web-push` accepts them; used at
 * start-up so bad keys are refused then, not on every send.
 */
export function vapidProblem(credentials: WebPushCredentials): string | undefined {
  try {
    webPush.getVapidHeaders(
      'https://push.invalid',
      credentials.subject ?? '',
      credentials.vapidPublicKey ?? '',
      credentials.vapidPrivateKey ?? '',
      'aes128gcm',
    );
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Browser push (RFC 8030) with VAPID (RFC 8292) and `aes128gcm` payload encryption
 * (RFC 8291), built by the `web-push` library and posted with Herald's HTTP client
 * (timeouts, SSRF policy: the endpoint comes from the recipient). The address is the
 * subscription JSON; the payload is `{ title, body, data, herald_notification_id }`.
 * `content.urgency` (very-low … high) and `content.topic` (replaces an undelivered
 * message with the same topic) become headers. The push service's `Location` header
 * is the message id. 404/410 mean the subscription is gone: a permanent
 * `invalid_request` whose reason starts with `invalid-subscription`, so the caller can
 * drop it.
 *
 * @example
 * const push = createWebPushProvider({ vapidPublicKey, vapidPrivateKey, subject: 'mailto:ops@acme.dev' });
 * await push.send(job, { title: 'Shipped', body: 'On its way' }, signal);
 */
export function createWebPushProvider(config: WebPushProviderConfig): ChannelProvider {
  const ttl = config.ttlSeconds ?? 86_400;
  return createHttpProvider(
    {
      name: 'webpush',
      channel: 'push',
      guard: true,
      maxBodyBytes: 4096,
      prepare(job, content): HttpCall {
        const { vapidPublicKey, vapidPrivateKey, subject } = forTenant<WebPushCredentials>(
          config,
          config.tenants,
          job.tenant,
        );
        if (vapidPublicKey === undefined || vapidPrivateKey === undefined || subject === undefined)
          throw unusable(
            'webpush',
            `vapidPublicKey, vapidPrivateKey and subject must be configured for tenant ${job.tenant}`,
          );
        if (!job.recipient.address.startsWith('{'))
          throw unusable(
            'webpush',
            'invalid-subscription: the address is a device token, not a Web Push subscription JSON',
          );
        const subscription = JSON.parse(job.recipient.address) as webPush.PushSubscription;
        const payload = JSON.stringify({
          title: requireText('webpush', content, 'title'),
          body: requireText('webpush', content, 'body'),
          ...(content?.data === undefined ? {} : { data: content.data }),
          herald_notification_id: job.notificationId,
        });
        assertLimit(
          'webpush',
          'the payload',
          Buffer.byteLength(payload),
          providerLimits.webPushPayloadBytes,
          'bytes',
        );
        const urgency = content?.urgency;
        const topic = content?.topic;
        let details: webPush.RequestDetails;
        try {
          details = webPush.generateRequestDetails(subscription, payload, {
            vapidDetails: { subject, publicKey: vapidPublicKey, privateKey: vapidPrivateKey },
            TTL: ttl,
            contentEncoding: 'aes128gcm',
            ...(typeof urgency === 'string' && URGENCIES.has(urgency)
              ? { urgency: urgency as webPush.Urgency }
              : {}),
            ...(typeof topic === 'string' ? { topic } : {}),
          });
        } catch (err) {
          throw unusable('webpush', err instanceof Error ? err.message : String(err));
        }
        // Header values as text; undici sets Content-Length itself.
        const headers = Object.fromEntries(
          Object.entries(details.headers)
            .filter(([name]) => name.toLowerCase() !== 'content-length')
            .map(([name, value]) => [name, String(value)]),
        );
        return {
          url: new URL(details.endpoint),
          headers,
          body: details.body ?? Buffer.alloc(0),
        };
      },
      classify(result, now) {
        const status = result.statusCode;
        const response = summarize(status, result.body);
        if (status >= 200 && status < 300) {
          const location = result.headers.location;
          const id = Array.isArray(location) ? location[0] : location;
          return sent(summarize(status, undefined, id));
        }
        // RFC 8030 §7.3 / the push services: 404 and 410 mean the subscription is gone.
        if (status === 404 || status === 410)
          return addressGone(
            'webpush',
            `invalid-subscription (HTTP ${status}): the subscription expired or was unsubscribed; remove it`,
            response,
            'invalid_request',
          );
        if (status === 413)
          return permanent('webpush', 'the payload is too large for the push service', response);
        if (status === 429)
          return transient(
            'webpush',
            'HTTP 429 (rate limited)',
            parseRetryAfter(result.headers['retry-after'], now),
            response,
            'rate_limited',
          );
        if (status === 401 || status === 403)
          return permanent(
            'webpush',
            `HTTP ${status}: the push service refused the VAPID authorization; check the keys and subject`,
            response,
            'auth',
          );
        return classifyHttp('webpush', result, now);
      },
    },
    config,
  );
}
