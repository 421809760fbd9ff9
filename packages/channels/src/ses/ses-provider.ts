import { SESv2Client, SendEmailCommand, SESv2ServiceException } from '@aws-sdk/client-sesv2';
import { providerLimits, requireAddress } from '@herald/core';
import { unusable, type ChannelProvider } from '../http/http-provider.js';
import { emailContent } from '../http/email-content.js';
import { createAwsProvider, type AwsCredentials, type AwsProviderOptions } from '../aws-sdk.js';

export interface SesCredentials extends AwsCredentials {
  /** Verified sender, e.g. `Acme <alerts@acme.dev>`. */
  readonly from?: string;
  readonly configurationSetName?: string;
}

export interface SesProviderConfig extends SesCredentials, AwsProviderOptions<SesCredentials> {
  /** Largest subject + bodies sent, in bytes. Default 10 MiB, SES's message limit without an increase. */
  readonly maxMessageBytes?: number;
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
  return createAwsProvider(
    {
      name: 'ses',
      channel: 'email',
      makeClient: (clientConfig) => new SESv2Client(clientConfig),
      call: (client, command: SendEmailCommand, abortSignal) =>
        client.send(command, { abortSignal }),
      serviceException: SESv2ServiceException,
      errors: { transient: TRANSIENT_ERRORS },
      prepare(job, content, settings) {
        if (settings.from === undefined)
          throw unusable('ses', `no "from" configured for tenant ${job.tenant}`);
        const { subject, html, text } = emailContent(
          'ses',
          content,
          config.maxMessageBytes ?? providerLimits.sesMessageBytes,
        );
        return new SendEmailCommand({
          FromEmailAddress: settings.from,
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
          ...(settings.configurationSetName === undefined
            ? {}
            : { ConfigurationSetName: settings.configurationSetName }),
        });
      },
    },
    config,
  );
}
