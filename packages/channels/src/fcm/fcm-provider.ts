import type { Agent } from 'node:http';
import {
  cert,
  deleteApp,
  initializeApp,
  type App,
  type Credential,
  type ServiceAccount,
} from 'firebase-admin/app';
import { getMessaging, type Message } from 'firebase-admin/messaging';
import {
  providerLimits,
  HeraldError,
  requireAddress,
  type DeliveryOutcome,
  type RenderedContent,
} from '@herald/core';
import { requireText, type ChannelProvider } from '../http/http-provider.js';
import { assertLimit } from '../limits.js';
import {
  addressGone,
  describe,
  fromHeraldError,
  permanent,
  sent,
  summarize,
  transient,
} from '../outcomes.js';
import { DeadlineError, deadlineOutcome, withDeadline } from '../sdk-call.js';
import { tenantClients } from '../tenant-clients.js';

export interface FcmCredentials {
  readonly projectId?: string;
  /** A service account key (the JSON from the Firebase console). */
  readonly serviceAccount?: ServiceAccount;
  /** Any firebase-admin credential (workload identity, custom token source); wins over `serviceAccount`. */
  readonly credential?: Credential;
}

export interface FcmProviderConfig extends FcmCredentials {
  /** HTTP agent for every Google call (proxies, tests). */
  readonly httpAgent?: Agent;
  /** Time allowed for one send. Default 10 000 ms. */
  readonly timeoutMs?: number;
  readonly tenants?: Readonly<Record<string, FcmCredentials>>;
}

// https://firebase.google.com/docs/cloud-messaging/send/admin-sdk#admin (error codes).
const INVALID_TOKEN = new Set([
  'messaging/registration-token-not-registered',
  'messaging/invalid-registration-token',
  'messaging/invalid-argument',
]);
const TRANSIENT = new Set([
  'messaging/message-rate-exceeded',
  'messaging/device-message-rate-exceeded',
  'messaging/server-unavailable',
  'messaging/internal-error',
  'messaging/unknown-error',
  'app/network-error',
  'app/network-timeout',
]);

const RATE_LIMITED = new Set([
  'messaging/message-rate-exceeded',
  'messaging/device-message-rate-exceeded',
]);

let appCounter = 0;

/**
 * Push through `firebase-admin` messaging (FCM HTTP v1). An unregistered or
 * invalid token is a permanent failure whose reason starts with `invalid-token`,
 * so the caller can drop the device token.
 *
 * @example
 * const push = createFcmProvider({ projectId: 'acme', serviceAccount: JSON.parse(key) });
 * await push.send(job, { title: 'Shipped', body: 'On its way', data: { orderId: 'o-1' } }, signal);
 */
export function createFcmProvider(config: FcmProviderConfig): ChannelProvider {
  const timeoutMs = config.timeoutMs ?? 10_000;
  const apps = tenantClients<FcmCredentials, App>(
    config,
    config.tenants,
    (settings, tenant) => {
      const credential =
        settings.credential ??
        (settings.serviceAccount === undefined
          ? undefined
          : cert(settings.serviceAccount, config.httpAgent));
      if (credential === undefined || settings.projectId === undefined) {
        throw new HeraldError('HERALD_ERR_CHANNEL_CONFIG', [
          'fcm',
          `projectId and a serviceAccount or credential are required (tenant ${tenant})`,
        ]);
      }
      // One named app per tenant, so credentials never mix.
      return initializeApp(
        {
          credential,
          projectId: settings.projectId,
          ...(config.httpAgent === undefined ? {} : { httpAgent: config.httpAgent }),
        },
        `herald-fcm-${++appCounter}`,
      );
    },
    (app) => deleteApp(app),
  );
  const appFor = (tenant: string): App => apps.get(tenant).client;

  async function send(
    job: Parameters<ChannelProvider['send']>[0],
    content: RenderedContent | undefined,
    signal: AbortSignal,
  ): Promise<DeliveryOutcome> {
    let app: App;
    let message: Message;
    try {
      app = appFor(job.tenant);
      const title = requireText('fcm', content, 'title');
      const body = requireText('fcm', content, 'body');
      // FCM data values must be strings.
      const data = Object.fromEntries(
        Object.entries((content?.data ?? {}) as Record<string, unknown>).map(([k, v]) => [
          k,
          typeof v === 'string' ? v : JSON.stringify(v),
        ]),
      );
      data.herald_notification_id = job.notificationId;
      message = {
        token: requireAddress('push', job.recipient.address),
        notification: { title, body },
        data,
      };
      assertLimit(
        'fcm',
        'the message',
        Buffer.byteLength(JSON.stringify({ notification: message.notification, data })),
        providerLimits.pushPayloadBytes,
        'bytes',
      );
    } catch (err) {
      if (err instanceof HeraldError) return fromHeraldError(err);
      throw err;
    }
    try {
      const name = await withDeadline(getMessaging(app).send(message), timeoutMs, signal);
      return sent(summarize(200, undefined, name));
    } catch (err) {
      return classifyFcmError(err, timeoutMs);
    }
  }

  return {
    name: 'fcm',
    channel: 'push',
    send,
    healthCheck: async () => ({
      ok: true,
      detail: 'FCM has no free probe; failures show in outcomes',
    }),
    close: apps.close,
  };
}

function classifyFcmError(err: unknown, timeoutMs: number): DeliveryOutcome {
  if (err instanceof DeadlineError) return deadlineOutcome('fcm', err, timeoutMs, 'FCM');
  const e = err as { code?: string; message?: string };
  const code = e.code ?? 'unknown';
  const response = summarize(undefined, `${code}: ${e.message ?? ''}`);
  if (INVALID_TOKEN.has(code)) {
    const reason = `invalid-token (${code})`;
    // UNREGISTERED and a refused token are the token's fault: marked, later jobs suppressed.
    // INVALID_ARGUMENT also covers a bad message, so only when FCM names the token.
    const tokenGone =
      code !== 'messaging/invalid-argument' || /registration token/i.test(e.message ?? '');
    return tokenGone ? addressGone('fcm', reason, response) : permanent('fcm', reason, response);
  }
  // firebase-admin keeps no response headers on its errors, so a 429's Retry-After is not available here.
  if (TRANSIENT.has(code)) {
    const failureClass = RATE_LIMITED.has(code)
      ? 'rate_limited'
      : code === 'app/network-timeout'
        ? 'timeout'
        : undefined;
    return transient('fcm', code, undefined, response, failureClass);
  }
  if (code.startsWith('messaging/') || code.startsWith('app/invalid'))
    return permanent('fcm', code, response);
  return transient('fcm', `${code}: ${describe(err)}`, undefined, response);
}
