import { providerLimits, type DeliveryFailureClass } from '@herald/core';
import {
  createHttpProvider,
  forTenant,
  jsonBody,
  requireText,
  unusable,
  type ChannelProvider,
  type HttpCall,
  type HttpProviderOptions,
} from '../http/http-provider.js';
import { assertLimit } from '../limits.js';
import { classifyHttp, permanent, sent, summarize, transient } from '../outcomes.js';

export interface VonageCredentials {
  readonly apiKey?: string;
  readonly apiSecret?: string;
  /** Sender: a Vonage number or an alphanumeric id (where the country allows it). */
  readonly from?: string;
}

export interface VonageProviderConfig extends HttpProviderOptions, VonageCredentials {
  /** API base. Default `https://rest.nexmo.com`. */
  readonly apiUrl?: string;
  readonly tenants?: Readonly<Record<string, VonageCredentials>>;
}

// https://developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms: the SMS API
// answers HTTP 200 with a status per message part. Codes not listed are permanent.
const STATUSES: Readonly<
  Record<string, readonly [retry: boolean, cls: DeliveryFailureClass, meaning: string]>
> = {
  '1': [true, 'rate_limited', 'throttled'],
  '2': [false, 'invalid_request', 'missing parameters'],
  '3': [false, 'invalid_request', 'invalid parameters'],
  '4': [false, 'auth', 'invalid credentials; check apiKey and apiSecret'],
  '5': [true, 'transient', 'internal error'],
  '6': [false, 'invalid_request', 'invalid message (e.g. an unroutable number)'],
  '7': [false, 'invalid_request', 'number barred'],
  '8': [false, 'auth', 'account barred'],
  '9': [false, 'permanent', 'partner quota exceeded (account out of credit)'],
  '10': [true, 'transient', 'too many existing binds'],
  '11': [false, 'auth', 'account not enabled for the SMS API'],
  '12': [false, 'invalid_request', 'message too long'],
  '14': [false, 'auth', 'invalid signature'],
  '15': [false, 'invalid_request', 'invalid sender address'],
  '22': [false, 'invalid_request', 'invalid network code'],
  '23': [false, 'invalid_request', 'invalid callback URL'],
  '29': [false, 'invalid_request', 'destination not on the allow list (trial account)'],
  '32': [false, 'auth', 'signature and API secret both given'],
  '33': [false, 'invalid_request', 'number de-activated'],
};

interface VonageMessage {
  readonly status?: string;
  readonly 'message-id'?: string;
  readonly 'error-text'?: string;
}

/**
 * SMS through Vonage's SMS API, `POST {apiUrl}/sms/json` with a form body (`api_key`,
 * `api_secret`, `from`, `to` without the `+`, `text`, `type=unicode` for UCS-2 text,
 * `client-ref` = the notification id, echoed in delivery receipts). Vonage answers
 * 200 with `{ "message-count", messages: [{ status, "message-id", "error-text" }] }`,
 * one entry per part; every part must have status `0`. The first part's id is the
 * provider message id.
 *
 * @example
 * const vonage = createVonageProvider({ apiKey: 'abc123', apiSecret: '…', from: 'Acme' });
 * await vonage.send(job, { text: 'Your code is 123456' }, signal);
 */
export function createVonageProvider(config: VonageProviderConfig): ChannelProvider {
  const apiUrl = (config.apiUrl ?? 'https://rest.nexmo.com').replace(/\/$/, '');
  return createHttpProvider(
    {
      name: 'vonage',
      channel: 'sms',
      guard: false,
      maxBodyBytes: 64 * 1024,
      prepare(job, content): HttpCall {
        const { apiKey, apiSecret, from } = forTenant<VonageCredentials>(
          config,
          config.tenants,
          job.tenant,
        );
        if (apiKey === undefined || apiSecret === undefined || from === undefined) {
          throw unusable(
            'vonage',
            `apiKey, apiSecret and from must be configured for tenant ${job.tenant}`,
          );
        }
        const text = requireText('vonage', content, 'text');
        assertLimit(
          'vonage',
          'text',
          [...text].length,
          providerLimits.vonageTextChars,
          'characters',
        );
        const form = new URLSearchParams({
          api_key: apiKey,
          api_secret: apiSecret,
          from,
          to: job.recipient.address.replace(/^\+/, ''),
          text,
          'client-ref': job.notificationId,
        });
        if (isUnicode(text, content?.encoding)) form.set('type', 'unicode');
        return {
          url: new URL(`${apiUrl}/sms/json`),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        };
      },
      classify(result, now) {
        const body = jsonBody(result.body);
        const messages = Array.isArray(body?.messages) ? (body.messages as VonageMessage[]) : [];
        if (result.statusCode !== 200 || messages.length === 0)
          return classifyHttp('vonage', result, now);
        const failed = messages.find((m) => m.status !== '0');
        if (failed === undefined)
          return sent(summarize(200, undefined, messages[0]?.['message-id']));
        const code = String(failed.status);
        const [retry, cls, meaning] = STATUSES[code] ?? [false, 'permanent', 'refused'];
        const detail = `status ${code} (${meaning}): ${failed['error-text'] ?? ''}`.trim();
        const response = summarize(200, failed['error-text'] ?? meaning);
        return retry
          ? transient('vonage', detail, undefined, response, cls)
          : permanent('vonage', detail, response, cls);
      },
    },
    config,
  );
}

/** UCS-2 when the template said so, else whenever the text leaves ASCII (safe, if dearer). */
function isUnicode(text: string, encoding: unknown): boolean {
  if (encoding === 'UCS-2') return true;
  if (encoding === 'GSM-7') return false;
  return /[^\x20-\x7e\n\r]/.test(text);
}
