import { providerLimits } from '@herald/core';
import {
  createHttpProvider,
  forTenant,
  jsonBody,
  unusable,
  type HttpCall,
  type ChannelProvider,
  type HttpProviderOptions,
} from '../http/http-provider.js';
import { emailContent } from '../http/email-content.js';
import { parseRetryAfter } from '../http/retry-after.js';
import { permanent, sent, summarize, transient } from '../outcomes.js';

export interface ResendCredentials {
  /** API key, `re_...`. */
  readonly apiKey?: string;
  /** Sender, e.g. `Acme <alerts@acme.dev>`. */
  readonly from?: string;
}

export interface ResendProviderConfig extends HttpProviderOptions, ResendCredentials {
  /** API base. Default `https://api.resend.com`. */
  readonly apiUrl?: string;
  /** Largest request sent. Default 40 MB, Resend's limit. */
  readonly maxMessageBytes?: number;
  readonly tenants?: Readonly<Record<string, ResendCredentials>>;
}

// https://resend.com/docs/api-reference/errors: the transient ones.
const TRANSIENT_NAMES = new Set([
  'rate_limit_exceeded',
  'concurrent_idempotent_requests',
  'application_error',
  'internal_server_error',
]);

/**
 * Resend `POST /emails`. The notification id is the `Idempotency-Key`, so a retry
 * within 24 h never sends twice; it also travels as the `X-Herald-Notification-Id` header.
 *
 * @example
 * const resend = createResendProvider({ apiKey: 're_...', from: 'Acme <alerts@acme.dev>' });
 * await resend.send(job, { subject: 'Shipped', html: '<p>On its way</p>', text: 'On its way' }, signal);
 */
export function createResendProvider(config: ResendProviderConfig): ChannelProvider {
  const apiUrl = (config.apiUrl ?? 'https://api.resend.com').replace(/\/$/, '');
  return createHttpProvider(
    {
      name: 'resend',
      channel: 'email',
      guard: false,
      maxBodyBytes: config.maxMessageBytes ?? providerLimits.resendRequestBytes,
      prepare(job, content): HttpCall {
        const { apiKey, from } = forTenant<ResendCredentials>(config, config.tenants, job.tenant);
        if (apiKey === undefined || from === undefined) {
          throw unusable('resend', `apiKey and from must be configured for tenant ${job.tenant}`);
        }
        const { subject, html, text } = emailContent('resend', content);
        return {
          url: new URL(`${apiUrl}/emails`),
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${apiKey}`,
            'idempotency-key': job.notificationId,
          },
          body: JSON.stringify({
            from,
            to: [job.recipient.address],
            subject,
            ...(html === undefined ? {} : { html }),
            ...(text === undefined ? {} : { text }),
            headers: { 'X-Herald-Notification-Id': job.notificationId },
          }),
        };
      },
      classify(result, now) {
        const body = jsonBody(result.body);
        if (result.statusCode >= 200 && result.statusCode < 300) {
          return sent(
            summarize(
              result.statusCode,
              undefined,
              typeof body?.id === 'string' ? body.id : undefined,
            ),
          );
        }
        const name = typeof body?.name === 'string' ? body.name : `HTTP ${result.statusCode}`;
        const message = typeof body?.message === 'string' ? body.message : result.body;
        const response = summarize(result.statusCode, message);
        if (TRANSIENT_NAMES.has(name) || result.statusCode >= 500 || result.statusCode === 429) {
          return transient(
            'resend',
            name,
            parseRetryAfter(result.headers['retry-after'], now),
            response,
          );
        }
        return permanent('resend', name, response);
      },
    },
    config,
  );
}
