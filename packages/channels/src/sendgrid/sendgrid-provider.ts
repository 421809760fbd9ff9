import type { IncomingHttpHeaders } from 'node:http';
import { providerLimits } from '@herald/core';
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

export interface SendGridCredentials {
  /** API key (`SG.…`) with the Mail Send permission. */
  readonly apiKey?: string;
  /** Sender, e.g. `Acme <alerts@acme.dev>`: a verified sender or an address of an authenticated domain. */
  readonly from?: string;
}

export interface SendGridProviderConfig extends HttpProviderOptions, SendGridCredentials {
  /** API base. Default `https://api.sendgrid.com` (`https://api.eu.sendgrid.com` for EU residency). */
  readonly apiUrl?: string;
  /** Largest request sent. Default 30 MB, SendGrid's limit. */
  readonly maxMessageBytes?: number;
  readonly tenants?: Readonly<Record<string, SendGridCredentials>>;
}

/**
 * SendGrid v3 `POST /v3/mail/send`. SendGrid answers 202 with an empty body and the
 * message id in `X-Message-Id`; errors are `{ errors: [{ message, field, help }] }`.
 * The API has no idempotency key: the notification id travels as the
 * `X-Herald-Notification-Id` header and as `custom_args.herald_notification_id`,
 * which SendGrid's event webhook echoes back.
 *
 * @example
 * const sendgrid = createSendGridProvider({ apiKey: 'SG.…', from: 'Acme <alerts@acme.dev>' });
 * await sendgrid.send(job, { subject: 'Shipped', html: '<p>On its way</p>', text: 'On its way' }, signal);
 */
export function createSendGridProvider(config: SendGridProviderConfig): ChannelProvider {
  const apiUrl = (config.apiUrl ?? 'https://api.sendgrid.com').replace(/\/$/, '');
  return createHttpProvider(
    {
      name: 'sendgrid',
      channel: 'email',
      guard: false,
      maxBodyBytes: config.maxMessageBytes ?? providerLimits.sendgridRequestBytes,
      prepare(job, content): HttpCall {
        const { apiKey, from } = forTenant<SendGridCredentials>(config, config.tenants, job.tenant);
        if (apiKey === undefined || from === undefined) {
          throw unusable('sendgrid', `apiKey and from must be configured for tenant ${job.tenant}`);
        }
        const { subject, html, text } = emailContent('sendgrid', content);
        return {
          url: new URL(`${apiUrl}/v3/mail/send`),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
          body: JSON.stringify({
            personalizations: [{ to: [{ email: job.recipient.address }] }],
            from: sender(from),
            subject,
            // SendGrid requires text/plain before text/html.
            content: [
              ...(text === undefined ? [] : [{ type: 'text/plain', value: text }]),
              ...(html === undefined ? [] : [{ type: 'text/html', value: html }]),
            ],
            headers: { 'X-Herald-Notification-Id': job.notificationId },
            custom_args: { herald_notification_id: job.notificationId },
          }),
        };
      },
      classify(result, now) {
        const status = result.statusCode;
        if (status >= 200 && status < 300) {
          return sent(summarize(status, undefined, first(result.headers['x-message-id'])));
        }
        const detail = `HTTP ${status}: ${errorsOf(result.body) ?? 'no error document'}`;
        const response = summarize(status, detail);
        if (isTransientStatus(status)) {
          return transient('sendgrid', detail, retryAfter(result.headers, now), response);
        }
        // 400 (a field refused), 401/403 (key or sender not allowed), 413: sending again changes nothing.
        return permanent('sendgrid', detail, response);
      },
    },
    config,
  );
}

/** `Name <email>` or a bare address into SendGrid's `{ email, name }`. */
export function sender(from: string): { email: string; name?: string } {
  const match = /^\s*(.*?)\s*<([^<>\s]+@[^<>\s]+)>\s*$/.exec(from);
  if (match === null) return { email: from.trim() };
  const name = match[1]!.replace(/^"(.*)"$/, '$1');
  return name === '' ? { email: match[2]! } : { email: match[2]!, name };
}

/** "field: message" for each entry of SendGrid's `errors` array (at most three). */
function errorsOf(body: string): string | undefined {
  const errors = jsonBody(body)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  return errors
    .slice(0, 3)
    .map((e: { field?: unknown; message?: unknown }) => {
      const message = typeof e.message === 'string' ? e.message : 'error';
      return typeof e.field === 'string' && e.field !== '' ? `${e.field}: ${message}` : message;
    })
    .join('; ');
}

/** `Retry-After` when sent, else SendGrid's `X-RateLimit-Reset` (Unix seconds when the window resets). */
function retryAfter(headers: IncomingHttpHeaders, now: Date): number | undefined {
  const after = parseRetryAfter(headers['retry-after'], now);
  if (after !== undefined) return after;
  const reset = Number(first(headers['x-ratelimit-reset']));
  return Number.isFinite(reset) && reset > 0
    ? Math.max(0, reset * 1000 - now.getTime())
    : undefined;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
