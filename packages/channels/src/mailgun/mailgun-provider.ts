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
import { httpFailure, sent, summarize } from '../outcomes.js';

export interface MailgunCredentials {
  /** Private API key or a domain sending key; basic auth as `api:<key>`. */
  readonly apiKey?: string;
  /** Sending domain, e.g. `mg.acme.dev`. */
  readonly domain?: string;
  /** Sender, e.g. `Acme <alerts@mg.acme.dev>`. */
  readonly from?: string;
}

export interface MailgunProviderConfig extends HttpProviderOptions, MailgunCredentials {
  /** API base. Default `https://api.mailgun.net` (`https://api.eu.mailgun.net` for EU domains). */
  readonly apiUrl?: string;
  /** Largest request sent. Default 25 MB, Mailgun's message limit. */
  readonly maxMessageBytes?: number;
  readonly tenants?: Readonly<Record<string, MailgunCredentials>>;
}

/**
 * Mailgun `POST /v3/{domain}/messages`, a form body with basic auth `api:<key>`.
 * Success is 200 `{ id: "<…@domain>", message: "Queued. Thank you." }`; the id without
 * its angle brackets is the provider message id (the form Mailgun's events and
 * webhooks use). Errors are `{ message }` JSON, or plain text (`Forbidden` for a bad
 * key). No idempotency key in the API: the notification id travels as the
 * `X-Herald-Notification-Id` header (`h:`) and as the user variable
 * `herald_notification_id` (`v:`), which Mailgun's webhooks echo back.
 *
 * @example
 * const mailgun = createMailgunProvider({ apiKey: 'key-…', domain: 'mg.acme.dev', from: 'Acme <alerts@mg.acme.dev>' });
 * await mailgun.send(job, { subject: 'Shipped', html: '<p>On its way</p>', text: 'On its way' }, signal);
 */
export function createMailgunProvider(config: MailgunProviderConfig): ChannelProvider {
  const apiUrl = (config.apiUrl ?? 'https://api.mailgun.net').replace(/\/$/, '');
  return createHttpProvider(
    {
      name: 'mailgun',
      channel: 'email',
      guard: false,
      maxBodyBytes: config.maxMessageBytes ?? providerLimits.mailgunMessageBytes,
      prepare(job, content): HttpCall {
        const { apiKey, domain, from } = forTenant<MailgunCredentials>(
          config,
          config.tenants,
          job.tenant,
        );
        if (apiKey === undefined || domain === undefined || from === undefined) {
          throw unusable(
            'mailgun',
            `apiKey, domain and from must be configured for tenant ${job.tenant}`,
          );
        }
        const { subject, html, text } = emailContent('mailgun', content);
        const form = new URLSearchParams({ from, to: job.recipient.address, subject });
        if (text !== undefined) form.set('text', text);
        if (html !== undefined) form.set('html', html);
        form.set('h:X-Herald-Notification-Id', job.notificationId);
        form.set('v:herald_notification_id', job.notificationId);
        return {
          url: new URL(`${apiUrl}/v3/${encodeURIComponent(domain)}/messages`),
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}`,
          },
          body: form.toString(),
        };
      },
      classify(result, now) {
        const status = result.statusCode;
        const body = jsonBody(result.body);
        if (status >= 200 && status < 300) {
          const id = typeof body?.id === 'string' ? body.id.replace(/^<|>$/g, '') : undefined;
          return sent(summarize(status, undefined, id));
        }
        const message = typeof body?.message === 'string' ? body.message : result.body.trim();
        const detail = `HTTP ${status}: ${message === '' ? 'no error document' : message}`;
        // 400 (a parameter refused), 401/403 (key), 404 (unknown domain), 413: permanent.
        return httpFailure('mailgun', result, now, detail);
      },
    },
    config,
  );
}
