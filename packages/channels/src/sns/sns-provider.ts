import { PublishCommand, SNSClient, SNSServiceException } from '@aws-sdk/client-sns';
import { providerLimits, requireAddress } from '@herald/core';
import { requireText, type ChannelProvider } from '../http/http-provider.js';
import { assertLimit } from '../limits.js';
import { createAwsProvider, type AwsCredentials, type AwsProviderOptions } from '../aws-sdk.js';

export interface SnsCredentials extends AwsCredentials {
  /** `AWS.SNS.SMS.SMSType`. Default `Transactional`. */
  readonly smsType?: 'Transactional' | 'Promotional';
  /** `AWS.SNS.SMS.SenderID`, where the destination country supports sender ids. */
  readonly senderId?: string;
}

export interface SnsProviderConfig extends SnsCredentials, AwsProviderOptions<SnsCredentials> {}

// https://docs.aws.amazon.com/sns/latest/api/API_Publish.html#API_Publish_Errors, plus the
// common AWS errors (Throttling, InvalidClientTokenId, ...), by the SDK's error name.
const RATE_LIMITED = new Set([
  'Throttling',
  'ThrottlingException',
  'Throttled',
  'ThrottledException',
  'KMSThrottlingException',
]);
const TRANSIENT = new Set([
  'InternalError',
  'InternalErrorException',
  'InternalFailure',
  'ServiceUnavailable',
  'KMSDisabledException',
]);
const AUTH = new Set([
  'AuthorizationError',
  'AuthorizationErrorException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'InvalidSecurity',
  'InvalidSecurityException',
  'ExpiredToken',
  'AccessDenied',
]);

/**
 * SMS through Amazon SNS `Publish` with `PhoneNumber` (`@aws-sdk/client-sns`), the
 * SMS type and sender id as `AWS.SNS.SMS.*` message attributes; SNS's MessageId is
 * the provider message id. SDK retries are off (`maxAttempts: 1`): Herald's retry
 * lane owns retries. `Throttling` (HTTP 400 in the Query API) is rate limited.
 *
 * @example
 * const sns = createSnsProvider({ region: 'eu-west-1', accessKeyId, secretAccessKey, senderId: 'Acme' });
 * await sns.send(job, { text: 'Your code is 123456' }, signal);
 */
export function createSnsProvider(config: SnsProviderConfig): ChannelProvider {
  return createAwsProvider(
    {
      name: 'sns',
      channel: 'sms',
      makeClient: (clientConfig) => new SNSClient(clientConfig),
      call: (client, command: PublishCommand, abortSignal) => client.send(command, { abortSignal }),
      serviceException: SNSServiceException,
      errors: { rateLimited: RATE_LIMITED, transient: TRANSIENT, auth: AUTH },
      prepare(job, content, settings) {
        const phone = requireAddress('sms', job.recipient.address);
        const text = requireText('sns', content, 'text');
        assertLimit('sns', 'text', Buffer.byteLength(text), providerLimits.snsSmsBytes, 'bytes');
        const { smsType = 'Transactional', senderId } = settings;
        return new PublishCommand({
          PhoneNumber: phone,
          Message: text,
          MessageAttributes: {
            'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: smsType },
            ...(senderId === undefined
              ? {}
              : { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: senderId } }),
          },
        });
      },
    },
    config,
  );
}
