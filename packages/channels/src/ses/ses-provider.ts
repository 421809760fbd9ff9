import { SESv2Client, SendEmailCommand, SESv2ServiceException } from '@aws-sdk/client-sesv2';
import {
  HeraldError,
  providerLimits,
  requireAddress,
  type DeliveryOutcome,
  type RenderedContent,
} from '@herald/core';
import { requireText, unusable, type ChannelProvider } from '../http/http-provider.js';
import { assertLimit } from '../limits.js';
import { fromHeraldError } from '../outcomes.js';
import { tenantClients } from '../tenant-clients.js';
import { awsClientConfig, sendAwsCall } from '../aws-sdk.js';

export interface SesCredentials {
  readonly region?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
  /** Verified sender, e.g. `Acme <alerts@acme.dev>`. */
  readonly from?: string;
  readonly configurationSetName?: string;
}

export interface SesProviderConfig extends SesCredentials {
  /** Endpoint override (VPC endpoint, local test server). Default: the region's SES endpoint. */
  readonly endpoint?: string;
  /** Time allowed for one SendEmail call. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Largest subject + bodies sent, in bytes. Default 10 MiB, SES's message limit without an increase. */
  readonly maxMessageBytes?: number;
  readonly now?: () => Date;
  readonly tenants?: Readonly<Record<string, SesCredentials>>;
}

// https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html#API_SendEmail_Errors
const TRANSIENT_ERRORS = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'InternalFailure',
  'ServiceUnavailable',
  'ThrottlingException',
]);

/**
 * Amazon SES v2 `SendEmail` through `@aws-sdk/client-sesv2`. SDK retries are off
 * (`maxAttempts: 1`): Herald's retry lane owns retries and honours `Retry-After`.
 * SES assigns its own Message-ID, so the notification id travels as the
 * `X-Herald-Notification-Id` header.
 *
 * @example
 * const ses = createSesProvider({ region: 'eu-west-1', accessKeyId, secretAccessKey, from: 'alerts@acme.dev' });
 * await ses.send(job, { subject: 'Shipped', html: '<p>On its way</p>', text: 'On its way' }, signal);
 */
export function createSesProvider(config: SesProviderConfig): ChannelProvider {
  const timeoutMs = config.timeoutMs ?? 10_000;
  const now = config.now ?? (() => new Date());
  const clients = tenantClients<SesCredentials, SESv2Client>(
    config,
    config.tenants,
    (settings, tenant) =>
      new SESv2Client(
        awsClientConfig('ses', settings, tenant, { timeoutMs, endpoint: config.endpoint }),
      ),
    (client) => client.destroy(),
  );
  const clientFor = clients.get;

  async function send(
    job: Parameters<ChannelProvider['send']>[0],
    content: RenderedContent | undefined,
    signal: AbortSignal,
  ): Promise<DeliveryOutcome> {
    let command: SendEmailCommand;
    let client: SESv2Client;
    try {
      const found = clientFor(job.tenant);
      client = found.client;
      if (found.settings.from === undefined)
        throw unusable('ses', `no "from" configured for tenant ${job.tenant}`);
      const subject = requireText('ses', content, 'subject');
      const html = typeof content?.html === 'string' ? content.html : undefined;
      const text = typeof content?.text === 'string' ? content.text : undefined;
      if (html === undefined && text === undefined)
        throw unusable('ses', 'the rendered content has neither "html" nor "text"');
      const size =
        Buffer.byteLength(subject) + Buffer.byteLength(html ?? '') + Buffer.byteLength(text ?? '');
      assertLimit(
        'ses',
        'the message',
        size,
        config.maxMessageBytes ?? providerLimits.sesMessageBytes,
        'bytes',
      );
      command = new SendEmailCommand({
        FromEmailAddress: found.settings.from,
        Destination: { ToAddresses: [requireAddress('email', job.recipient.address)] },
        Content: {
          Simple: {
            Subject: { Data: subject, Charset: 'UTF-8' },
            Body: {
              ...(html === undefined ? {} : { Html: { Data: html, Charset: 'UTF-8' } }),
              ...(text === undefined ? {} : { Text: { Data: text, Charset: 'UTF-8' } }),
            },
            Headers: [{ Name: 'X-Herald-Notification-Id', Value: job.notificationId }],
          },
        },
        ...(found.settings.configurationSetName === undefined
          ? {}
          : { ConfigurationSetName: found.settings.configurationSetName }),
      });
    } catch (err) {
      if (err instanceof HeraldError) return fromHeraldError(err);
      throw err;
    }
    return sendAwsCall('ses', (abortSignal) => client.send(command, { abortSignal }), {
      signal,
      timeoutMs,
      now: now(),
      serviceException: SESv2ServiceException,
      errors: { transient: TRANSIENT_ERRORS },
    });
  }

  return {
    name: 'ses',
    channel: 'email',
    send,
    healthCheck: async () => ({
      ok: true,
      detail: 'SES has no free probe; failures show in outcomes',
    }),
    close: clients.close,
  };
}
