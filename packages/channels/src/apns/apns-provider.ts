import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import {
  providerLimits,
  HeraldError,
  requireAddress,
  type DeliveryOutcome,
  type RenderedContent,
} from '@herald/core';
import { requireText, unusable, forTenant, type ChannelProvider } from '../http/http-provider.js';
import { parseRetryAfter } from '../http/retry-after.js';
import { assertLimit } from '../limits.js';
import {
  classifyHttp,
  fromHeraldError,
  networkError,
  addressGone,
  permanent,
  sent,
  summarize,
  transient,
} from '../outcomes.js';
import { DeadlineError, deadlineOutcome, withDeadline } from '../sdk-call.js';

export interface ApnsCredentials {
  /** Apple Developer team id: the JWT's `iss`. */
  readonly teamId?: string;
  /** The auth key's id: the JWT's `kid`. */
  readonly keyId?: string;
  /** The auth key (.p8 PEM), an ES256 private key. */
  readonly signingKey?: string;
  /** The app's bundle id, sent as `apns-topic`. */
  readonly topic?: string;
}

export interface ApnsProviderConfig extends ApnsCredentials {
  /** API origin. Default `https://api.push.apple.com`. */
  readonly apiUrl?: string;
  /** Extra CA certificates to trust (tests). */
  readonly ca?: string;
  /** Time allowed for one send. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Clock for the JWT's `iat` and `Retry-After` dates. */
  readonly now?: () => Date;
  readonly tenants?: Readonly<Record<string, ApnsCredentials>>;
}

// Apple refuses tokens older than an hour and refreshes more often than every 20 minutes.
const TOKEN_LIFETIME_MS = 50 * 60_000;
// https://developer.apple.com/documentation/usernotifications/handling-notification-responses-from-apns
const INVALID_TOKEN = new Set(['BadDeviceToken', 'Unregistered', 'DeviceTokenNotForTopic']);
const PUSH_TYPES = new Set(['alert', 'background', 'voip', 'complication', 'fileprovider', 'mdm']);

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/**
 * Push to Apple devices over HTTP/2 (node:http2, one session per provider, reopened
 * when it closes) with token-based auth: an ES256 JWT (`kid` = keyId, `iss` = teamId)
 * per tenant, reused for 50 minutes. `POST /3/device/{token}` with `apns-topic`,
 * `apns-push-type` (`content.pushType`, default alert), `apns-priority` (10, or 5 for
 * background) and `apns-collapse-id` (`content.collapseId`). The `apns-id` answer header
 * is the message id. 410 Unregistered and 400 BadDeviceToken → permanent
 * `invalid_request` with reason `invalid-token (…)`.
 *
 * @example
 * const apns = createApnsProvider({ teamId: 'ABCDE12345', keyId: 'KEY1234567', signingKey: p8, topic: 'dev.acme.app' });
 * await apns.send(job, { title: 'Shipped', body: 'On its way' }, signal);
 */
export function createApnsProvider(config: ApnsProviderConfig): ChannelProvider {
  const origin = new URL(config.apiUrl ?? 'https://api.push.apple.com').origin;
  const timeoutMs = config.timeoutMs ?? 10_000;
  const now = config.now ?? (() => new Date());
  const tokens = new Map<string, { jwt: string; at: number }>();
  const keys = new Map<string, KeyObject>();
  let session: ClientHttp2Session | undefined;
  let closed = false;

  function sessionFor(): ClientHttp2Session {
    if (session === undefined || session.closed || session.destroyed) {
      const opened = connect(origin, config.ca === undefined ? {} : { ca: config.ca });
      // Errors surface on the stream; a dead session is replaced on the next send.
      opened.on('error', () => opened.destroy());
      opened.unref();
      session = opened;
    }
    return session;
  }

  function jwtFor(tenant: string, own: ApnsCredentials): string {
    const { teamId, keyId, signingKey } = own;
    if (teamId === undefined || keyId === undefined || signingKey === undefined)
      throw unusable(
        'apns',
        `teamId, keyId and signingKey must be configured for tenant ${tenant}`,
      );
    const at = now().getTime();
    const cached = tokens.get(tenant);
    if (cached !== undefined && at - cached.at < TOKEN_LIFETIME_MS && at >= cached.at)
      return cached.jwt;
    let key = keys.get(signingKey);
    if (key === undefined) {
      key = createPrivateKey(signingKey);
      keys.set(signingKey, key);
    }
    const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const data = `${part({ alg: 'ES256', kid: keyId })}.${part({ iss: teamId, iat: Math.floor(at / 1000) })}`;
    const signature = sign('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' });
    const jwt = `${data}.${signature.toString('base64url')}`;
    tokens.set(tenant, { jwt, at });
    return jwt;
  }

  async function send(
    job: Parameters<ChannelProvider['send']>[0],
    content: RenderedContent | undefined,
    signal: AbortSignal,
  ): Promise<DeliveryOutcome> {
    let headers: Record<string, string>;
    let body: string;
    try {
      if (closed) throw unusable('apns', 'the provider is closed');
      const own = forTenant<ApnsCredentials>(config, config.tenants, job.tenant);
      const token = requireAddress('push', job.recipient.address);
      if (!/^[0-9a-fA-F]{64,200}$/.test(token))
        throw unusable('apns', 'invalid-token: the address is not an APNs device token (hex)');
      if (own.topic === undefined)
        throw unusable('apns', `topic must be configured for tenant ${job.tenant}`);
      const pushType = typeof content?.pushType === 'string' ? content.pushType : 'alert';
      if (!PUSH_TYPES.has(pushType)) throw unusable('apns', `unknown pushType ${pushType}`);
      const aps =
        pushType === 'background'
          ? { 'content-available': 1 }
          : {
              alert: {
                title: requireText('apns', content, 'title'),
                body: requireText('apns', content, 'body'),
              },
            };
      body = JSON.stringify({
        ...((content?.data ?? {}) as Record<string, unknown>),
        aps,
        herald_notification_id: job.notificationId,
      });
      assertLimit(
        'apns',
        'the payload',
        Buffer.byteLength(body),
        providerLimits.apnsPayloadBytes,
        'bytes',
      );
      const collapseId = content?.collapseId;
      headers = {
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: `/3/device/${token}`,
        authorization: `bearer ${jwtFor(job.tenant, own)}`,
        'apns-topic': own.topic,
        'apns-push-type': pushType,
        'apns-priority': pushType === 'background' ? '5' : '10',
        ...(typeof collapseId === 'string' ? { 'apns-collapse-id': collapseId } : {}),
        'content-type': 'application/json',
      };
    } catch (err) {
      if (err instanceof HeraldError) return fromHeraldError(err);
      return fromHeraldError(unusable('apns', err instanceof Error ? err.message : String(err)));
    }
    let answer: Answer;
    const cancel = new AbortController();
    try {
      answer = await withDeadline(
        request(sessionFor(), headers, body, cancel.signal),
        timeoutMs,
        signal,
      );
    } catch (err) {
      // Resets the stream a deadline gave up on, so it holds nothing open.
      cancel.abort();
      if (err instanceof DeadlineError) return deadlineOutcome('apns', err, timeoutMs, 'APNs');
      return networkError('apns', err);
    }
    return classifyApns(answer, now());
  }

  return {
    name: 'apns',
    channel: 'push',
    send,
    healthCheck: async () => ({
      ok: !closed,
      detail: closed ? 'closed' : 'APNs has no free probe; failures show in outcomes',
    }),
    async close() {
      closed = true;
      const open = session;
      session = undefined;
      // Sends have drained when the worker closes providers; destroy drops any stream left.
      open?.destroy();
    },
  };
}

function request(
  session: ClientHttp2Session,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { signal });
    let status = 0;
    let answerHeaders: Answer['headers'] = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      status = Number(h[constants.HTTP2_HEADER_STATUS]);
      answerHeaders = h as Answer['headers'];
    });
    stream.on('data', (c: Buffer) => {
      if (chunks.length < 64) chunks.push(c);
    });
    stream.on('end', () =>
      resolve({ status, headers: answerHeaders, body: Buffer.concat(chunks).toString('utf8') }),
    );
    stream.on('error', reject);
    stream.end(body);
  });
}

function classifyApns(answer: Answer, now: Date): DeliveryOutcome {
  const { status } = answer;
  const header = (name: string) => {
    const v = answer.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  if (status === 200) return sent(summarize(200, undefined, header('apns-id')));
  let reason = '';
  try {
    reason = String((JSON.parse(answer.body) as { reason?: unknown }).reason ?? '');
  } catch {
    // Not JSON: the status decides.
  }
  const response = summarize(status, reason || answer.body);
  // The token itself is gone: 410 (Unregistered) or BadDeviceToken. Marked so later jobs
  // are suppressed. DeviceTokenNotForTopic is not marked: a wrong HERALD topic setting
  // would otherwise mark every token of the app.
  if (status === 410 || reason === 'Unregistered' || reason === 'BadDeviceToken')
    return addressGone(
      'apns',
      `invalid-token (${reason || `HTTP ${status}`})`,
      response,
      'invalid_request',
    );
  if (INVALID_TOKEN.has(reason))
    return permanent(
      'apns',
      `invalid-token (${reason || `HTTP ${status}`})`,
      response,
      'invalid_request',
    );
  if (status === 429)
    return transient(
      'apns',
      `HTTP 429 ${reason}`.trim(),
      parseRetryAfter(header('retry-after'), now),
      response,
      'rate_limited',
    );
  if (status === 403)
    return permanent(
      'apns',
      `HTTP 403 ${reason}: check teamId, keyId, signingKey and topic`,
      response,
      'auth',
    );
  if (status === 413)
    return permanent('apns', `payload too large (${reason})`, response, 'invalid_request');
  return classifyHttp(
    'apns',
    { kind: 'response', statusCode: status, headers: answer.headers, body: reason || answer.body },
    now,
  );
}
