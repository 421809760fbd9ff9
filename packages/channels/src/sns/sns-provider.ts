import { PublishCommand, SNSClient, SNSServiceException } from '@aws-sdk/client-sns';
import {
  HeraldError,
  providerLimits,
  requireAddress,
  type DeliveryOutcome,
  type RenderedContent,
} from '@herald/core';
import { requireText, type ChannelProvider } from '../http/http-provider.js';
import { assertLimit } from '../limits.js';
import { fromHeraldError } from '../outcomes.js';
import { tenantClients } from '../tenant-clients.js';
import { awsClientConfig, sendAwsCall } from '../aws-sdk.js';

export interface SnsCredentials {
  readonly region?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
  /** `AWS.SNS.SMS.SMSType`. Default `Transactional`. */
  readonly smsType?: 'Transactional' | 'Promotional';
  /** `AWS.SNS.SMS.SenderID`, where the destination country supports sender ids. */
  readonly senderId?: string;
}

export interface SnsProviderConfig extends SnsCredentials {
  /** Endpoint override (VPC endpoint, local test server). Default: the region's SNS endpoint. */
  readonly endpoint?: string;
  /** Time allowed for one Publish call. Default 10 000 ms. */
  readonly timeoutMs?: number;
  readonly now?: () => Date;
  readonly tenants?: Readonly<Record<string, SnsCredentials>>;
}

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
  const timeoutMs = config.timeoutMs ?? 10_000;
  const now = config.now ?? (() => new Date());
  const clients = tenantClients<SnsCredentials, SNSClient>(
    config,
    config.tenants,
    (settings, tenant) =>
      new SNSClient(
        awsClientConfig('sns', settings, tenant, { timeoutMs, endpoint: config.endpoint }),
      ),
    (client) => client.destroy(),
  );

  async function send(
    job: Parameters<ChannelProvider['send']>[0],
    content: RenderedContent | undefined,
    signal: AbortSignal,
  ): Promise<DeliveryOutcome> {
    let command: PublishCommand;
    let client: SNSClient;
    try {
      const phone = requireAddress('sms', job.recipient.address);
      const found = clients.get(job.tenant);
      client = found.client;
      const text = requireText('sns', content, 'text');
      assertLimit('sns', 'text', Buffer.byteLength(text), providerLimits.snsSmsBytes, 'bytes');
      const { smsType = 'Transactional', senderId } = found.settings;
      command = new PublishCommand({
        PhoneNumber: phone,
        Message: text,
        MessageAttributes: {
          'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: smsType },
          ...(senderId === undefined
            ? {}
            : { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: senderId } }),
        },
      });
    } catch (err) {
      if (err instanceof HeraldError) return fromHeraldError(err);
      throw err;
    }
    return sendAwsCall('sns', (abortSignal) => client.send(command, { abortSignal }), {
      signal,
      timeoutMs,
      now: now(),
      serviceException: SNSServiceException,
      errors: { rateLimited: RATE_LIMITED, transient: TRANSIENT, auth: AUTH },
    });
  }

  return {
    name: 'sns',
    channel: 'sms',
    send,
    healthCheck: async () => ({
      ok: true,
      detail: 'SNS has no free probe; failures show in outcomes',
    }),
    close: clients.close,
  };
}
