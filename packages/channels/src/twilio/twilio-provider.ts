import { AsyncLocalStorage } from 'node:async_hooks';
import twilio from 'twilio';
import {
  providerLimits,
  HeraldError,
  requireAddress,
  type DeliveryOutcome,
  type RenderedContent,
} from '@herald/core';
import { requireText, unusable, type ChannelProvider } from '../http/http-provider.js';
import { parseRetryAfter } from '../http/retry-after.js';
import { assertLimit } from '../limits.js';
import {
  fromHeraldError,
  networkError,
  permanent,
  sent,
  summarize,
  transient,
} from '../outcomes.js';
import { DeadlineError, deadlineOutcome, withDeadline } from '../sdk-call.js';
import { tenantClients } from '../tenant-clients.js';

export interface TwilioCredentials {
  readonly accountSid?: string;
  readonly authToken?: string;
  /** Sender number (E.164) or alphanumeric id; or use a messaging service. */
  readonly from?: string;
  readonly messagingServiceSid?: string;
}

export interface TwilioProviderConfig extends TwilioCredentials {
  /**
   * Sends the SDK's requests to this origin instead of `https://api.twilio.com`
   * (a local test server, an egress proxy). Only scheme, host and port change.
   */
  readonly apiUrl?: string;
  /** Time allowed for one API call. Default 10 000 ms. */
  readonly timeoutMs?: number;
  readonly now?: () => Date;
  readonly tenants?: Readonly<Record<string, TwilioCredentials>>;
}

// https://www.twilio.com/docs/api/errors: recipient or sender problems retrying cannot fix.
const PERMANENT_CODES: Readonly<Record<number, string>> = {
  21211: 'invalid "To" number',
  21214: '"To" number cannot be reached',
  21408: 'region not enabled for this number',
  21606: '"From" number cannot send SMS',
  21610: 'recipient unsubscribed (STOP)',
  21612: '"To" number is not reachable via SMS',
  21614: '"To" number is not a mobile number',
  21617: 'body over 1600 characters',
  20003: 'authentication failed; check accountSid and authToken',
};

/**
 * SMS through the `twilio` SDK's `messages.create`. The SDK's own 429 auto-retry
 * stays off: Herald's retry lane honours `Retry-After`, read from the response the
 * SDK received.
 *
 * @example
 * const sms = createTwilioProvider({ accountSid: 'AC...', authToken, from: '+15005550006' });
 * await sms.send(job, { text: 'Your code is 123456' }, signal);
 */
export function createTwilioProvider(config: TwilioProviderConfig): ChannelProvider {
  const timeoutMs = config.timeoutMs ?? 10_000;
  const now = config.now ?? (() => new Date());
  // The last response headers of the call running in this async context (for Retry-After).
  const lastHeaders = new AsyncLocalStorage<{ headers?: Record<string, unknown> }>();
  const clients = tenantClients<TwilioCredentials, twilio.Twilio>(
    config,
    config.tenants,
    (settings, tenant) => {
      if (settings.accountSid === undefined || settings.authToken === undefined) {
        throw new HeraldError('HERALD_ERR_CHANNEL_CONFIG', [
          'twilio',
          `accountSid and authToken are required (tenant ${tenant})`,
        ]);
      }
      const httpClient = new ObservingRequestClient(
        { timeout: timeoutMs, keepAlive: true },
        config.apiUrl,
        lastHeaders,
      );
      return twilio(settings.accountSid, settings.authToken, { httpClient, autoRetry: false });
    },
  );
  const clientFor = clients.get;

  async function send(
    job: Parameters<ChannelProvider['send']>[0],
    content: RenderedContent | undefined,
    signal: AbortSignal,
  ): Promise<DeliveryOutcome> {
    let client: twilio.Twilio;
    let params: { to: string; body: string; from?: string; messagingServiceSid?: string };
    try {
      const found = clientFor(job.tenant);
      client = found.client;
      const body = requireText('twilio', content, 'text');
      assertLimit('twilio', 'text', body.length, providerLimits.smsBodyChars, 'characters');
      const { from, messagingServiceSid } = found.settings;
      if (from === undefined && messagingServiceSid === undefined) {
        throw unusable(
          'twilio',
          `neither "from" nor "messagingServiceSid" is configured for tenant ${job.tenant}`,
        );
      }
      params = {
        to: requireAddress('sms', job.recipient.address),
        body,
        ...(messagingServiceSid === undefined ? { from: from! } : { messagingServiceSid }),
      };
    } catch (err) {
      if (err instanceof HeraldError) return fromHeraldError(err);
      throw err;
    }
    const seen: { headers?: Record<string, unknown> } = {};
    try {
      const message = await lastHeaders.run(seen, () =>
        withDeadline(client.messages.create(params), timeoutMs, signal),
      );
      return sent(summarize(201, message.status, message.sid));
    } catch (err) {
      return classifyTwilioError(err, timeoutMs, seen.headers, now());
    }
  }

  return {
    name: 'twilio',
    channel: 'sms',
    send,
    async healthCheck(signal) {
      try {
        const { client, settings } = clientFor('');
        await withDeadline(
          client.api.v2010.accounts(settings.accountSid!).fetch(),
          timeoutMs,
          signal,
        );
        return { ok: true };
      } catch (err) {
        return {
          ok: false,
          detail:
            err instanceof DeadlineError
              ? err.message
              : `HTTP ${String((err as { status?: number }).status ?? 'error')}`,
        };
      }
    },
    close: clients.close,
  };
}

function classifyTwilioError(
  err: unknown,
  timeoutMs: number,
  headers: Record<string, unknown> | undefined,
  now: Date,
): DeliveryOutcome {
  if (err instanceof DeadlineError) return deadlineOutcome('twilio', err, timeoutMs, 'Twilio');
  const e = err as { status?: number; code?: number; message?: string };
  if (typeof e.status !== 'number') return networkError('twilio', err);
  const response = summarize(e.status, `${e.code ?? ''} ${e.message ?? ''}`);
  const known = typeof e.code === 'number' ? PERMANENT_CODES[e.code] : undefined;
  if (known !== undefined) return permanent('twilio', `error ${e.code}: ${known}`, response);
  if (e.status === 429 || e.code === 20429 || e.status >= 500) {
    return transient(
      'twilio',
      `error ${e.code ?? e.status}`,
      parseRetryAfter(headers?.['retry-after'] as string | undefined, now),
      response,
    );
  }
  return permanent('twilio', `error ${e.code ?? e.status}: ${e.message ?? ''}`, response);
}

/**
 * The SDK's own RequestClient (real HTTP, real auth), with two additions: requests
 * can go to another origin, and response headers are kept for the running call,
 * because the SDK's RestException drops `Retry-After`.
 */
class ObservingRequestClient extends twilio.RequestClient {
  readonly #origin: URL | undefined;
  readonly #store: AsyncLocalStorage<{ headers?: Record<string, unknown> }>;

  constructor(
    options: ConstructorParameters<typeof twilio.RequestClient>[0],
    origin: string | undefined,
    store: AsyncLocalStorage<{ headers?: Record<string, unknown> }>,
  ) {
    super(options);
    this.#origin = origin === undefined ? undefined : new URL(origin);
    this.#store = store;
  }

  override async request<TData>(opts: Parameters<twilio.RequestClient['request']>[0]) {
    let uri = opts.uri;
    if (this.#origin !== undefined) {
      const target = new URL(uri);
      target.protocol = this.#origin.protocol;
      target.host = this.#origin.host;
      uri = target.toString();
    }
    const response = await super.request<TData>({ ...opts, uri } as Parameters<
      twilio.RequestClient['request']
    >[0] as never);
    const seen = this.#store.getStore();
    if (seen !== undefined) seen.headers = response.headers as Record<string, unknown>;
    return response;
  }
}
