import { HeraldError } from '@herald/core';

/** The credentials every AWS SDK provider (SES, SNS) takes, shared or per tenant. */
export interface AwsCredentials {
  readonly region?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
}

/**
 * An AWS SDK client's configuration for one tenant: its region and keys, SDK retries
 * off (`maxAttempts: 1`: Herald's retry lanes own retries and honour `Retry-After`),
 * Herald's timeout on connect and request, and an optional endpoint (a local server in
 * tests, a VPC endpoint in production). Refuses incomplete credentials by name.
 */
export function awsClientConfig(
  provider: string,
  settings: AwsCredentials,
  tenant: string,
  options: { readonly timeoutMs: number; readonly endpoint?: string | undefined },
) {
  const { region, accessKeyId, secretAccessKey, sessionToken } = settings;
  if (region === undefined || accessKeyId === undefined || secretAccessKey === undefined) {
    throw new HeraldError('HERALD_ERR_CHANNEL_CONFIG', [
      provider,
      `region, accessKeyId and secretAccessKey are required (tenant ${tenant})`,
    ]);
  }
  return {
    region,
    credentials: {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken === undefined ? {} : { sessionToken }),
    },
    maxAttempts: 1,
    requestHandler: { requestTimeout: options.timeoutMs, connectionTimeout: options.timeoutMs },
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
  };
}
