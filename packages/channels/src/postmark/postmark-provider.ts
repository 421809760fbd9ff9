import { providerLimits, type DeliveryOutcome } from '@herald/core';
import { emailContent } from '../http/email-content.js';
import {
  createHttpProvider,
  forTenant,
  jsonBody,
  unusable,
  type HttpCall,
  type ChannelProvider,
  type HttpProviderOptions,
} from '../http/http-provider.js';
import { parseRetryAfter } from '../http/retry-after.js';
import { isTransientStatus, permanent, sent, summarize, transient } from '../outcomes.js';

export interface PostmarkCredentials {
  /** Server API token, sent as `X-Postmark-Server-Token`. */
  readonly serverToken?: string;
  /** Sender with a confirmed sender signature or domain, e.g. `Acme <alerts@acme.dev>`. */
  readonly from?: string;
  /** Message stream id. Default `outbound` (the server's default transactional stream). */
  readonly messageStream?: string;
}

export interface PostmarkProviderConfig extends HttpProviderOptions, PostmarkCredentials {
  /** API base. Default `https://api.postmarkapp.com`. */
  readonly apiUrl?: string;
  /** Largest request sent. Default 10 MB, Postmark's message limit. */
  readonly maxMessageBytes?: number;
  readonly tenants?: Readonly<Record<string, PostmarkCredentials>>;
}

// https://postmarkapp.com/developer/api/overview#error-codes
/** Bad or missing server token; sender signature not found or not confirmed: the operator must act. */
const AUTH_CODES = new Set([10, 400, 401]);
/** Postmark's API is offline for maintenance: try later. */
const MAINTENANCE = 100;

/**
 * Postmark `POST /email`. Success is HTTP 200 with `ErrorCode: 0` and the `MessageID`;
 * refusals are 422 with `{ ErrorCode, Message }` (e.g. 300 invalid request, 406
 * inactive recipient), a bad token 401 (ErrorCode 10), 429 over the rate limit, 500
 * and 503 (maintenance) transient. No idempotency key in the API: the notification
 * id travels as the `X-Herald-Notification-Id` header and in `Metadata`, which
 * Postmark's webhooks echo back.
 *
 * @example
 * const postmark = createPostmarkProvider({ serverToken: '…', from: 'Acme <alerts@acme.dev>' });
 * await postmark.send(job, { subject: 'Shipped', html: '<p>On its way</p>', text: 'On its way' }, signal);
 */
export function createPostmarkProvider(config: PostmarkProviderConfig): ChannelProvider {
  const apiUrl = (config.apiUrl ?? 'https://api.postmarkapp.com').replace(/\/$/, '');
  return createHttpProvider(
    {
      name: 'postmark',
      channel: 'email',
      guard: false,
      maxBodyBytes: config.maxMessageBytes ?? providerLimits.postmarkMessageBytes,
      prepare(job, content): HttpCall {
        const { serverToken, from, messageStream } = forTenant<PostmarkCredentials>(
          config,
          config.tenants,
          job.tenant,
        );
        if (serverToken === undefined || from === undefined) {
          throw unusable(
            'postmark',
            `serverToken and from must be configured for tenant ${job.tenant}`,
          );
        }
        const { subject, html, text } = emailContent('postmark', content);
        return {
          url: new URL(`${apiUrl}/email`),
          headers: {
            accept: 'application/json',
            'content-type': 'application/json',
            'x-postmark-server-token': serverToken,
          },
          body: JSON.stringify({
            From: from,
            To: job.recipient.address,
            Subject: subject,
            ...(html === undefined ? {} : { HtmlBody: html }),
            ...(text === undefined ? {} : { TextBody: text }),
            MessageStream: messageStream ?? 'outbound',
            Headers: [{ Name: 'X-Herald-Notification-Id', Value: job.notificationId }],
            Metadata: { herald_notification_id: job.notificationId },
          }),
        };
      },
      classify(result, now): DeliveryOutcome {
        const status = result.statusCode;
        const body = jsonBody(result.body);
        const code = typeof body?.ErrorCode === 'number' ? body.ErrorCode : undefined;
        const message = typeof body?.Message === 'string' ? body.Message : undefined;
        if (status >= 200 && status < 300 && (code === undefined || code === 0)) {
          const id = typeof body?.MessageID === 'string' ? body.MessageID : undefined;
          return sent(summarize(status, undefined, id));
        }
        const detail = `${code === undefined ? `HTTP ${status}` : `error ${code}`}: ${message ?? 'no error document'}`;
        const response = summarize(status, detail);
        if (isTransientStatus(status) || code === MAINTENANCE) {
          return transient(
            'postmark',
            detail,
            parseRetryAfter(result.headers['retry-after'], now),
            response,
          );
        }
        return permanent(
          'postmark',
          detail,
          response,
          code !== undefined && AUTH_CODES.has(code) ? 'auth' : undefined,
        );
      },
    },
    config,
  );
}
