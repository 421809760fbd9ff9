import {
  HeraldError,
  type ChannelName,
  type DeliveryJob,
  type DeliveryOutcome,
  type RenderedContent,
} from '@herald/core';
import type { ChannelProvider } from './http/http-provider.js';
import { parseRetryAfter } from './http/retry-after.js';
import {
  fromHeraldError,
  networkError,
  permanent,
  sent,
  summarize,
  timedOut,
  transient,
} from './outcomes.js';
import { tenantClients } from './tenant-clients.js';

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

/** An AWS service's error names by what they mean for a retry (the rest are permanent). */
export interface AwsErrorNames {
  readonly rateLimited?: ReadonlySet<string>;
  readonly transient: ReadonlySet<string>;
  readonly auth?: ReadonlySet<string>;
}

interface AwsServiceError {
  readonly name: string;
  readonly message: string;
  readonly $metadata: { readonly httpStatusCode?: number };
  readonly $response?: { readonly headers?: Record<string, string> };
}

/**
 * One AWS SDK call under Herald's deadline (the worker's stop signal and `timeoutMs`),
 * its answer as a DeliveryOutcome: the MessageId on success; a service error classed
 * by `errors`, 429 and 5xx transient with `Retry-After` honoured; a timeout or a stop
 * told apart; anything else a network error.
 */
export async function sendAwsCall(
  provider: string,
  call: (abortSignal: AbortSignal) => Promise<{
    readonly $metadata: { readonly httpStatusCode?: number };
    readonly MessageId?: string;
  }>,
  options: {
    readonly signal: AbortSignal;
    readonly timeoutMs: number;
    readonly now: Date;
    /** The service's exception base class (`SNSServiceException`, `SESv2ServiceException`). */
    readonly serviceException: abstract new (...args: never[]) => Error;
    readonly errors: AwsErrorNames;
  },
): Promise<DeliveryOutcome> {
  // Held in a variable and read after the call: AbortSignal.any keeps its sources only
  // weakly, and a timeout signal nothing else references may be collected unfired.
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const deadline = AbortSignal.any([options.signal, timeout]);
  try {
    const out = await call(deadline);
    return sent(summarize(out.$metadata.httpStatusCode, undefined, out.MessageId));
  } catch (err) {
    if (err instanceof options.serviceException) {
      const e = err as unknown as AwsServiceError;
      const status = e.$metadata.httpStatusCode;
      const response = summarize(status, `${e.name}: ${e.message}`);
      const retryAfterMs = parseRetryAfter(e.$response?.headers?.['retry-after'], options.now);
      const { rateLimited, transient: retryable, auth } = options.errors;
      if (rateLimited?.has(e.name))
        return transient(provider, e.name, retryAfterMs, response, 'rate_limited');
      if (retryable.has(e.name) || status === 429 || (status ?? 0) >= 500)
        return transient(provider, e.name, retryAfterMs, response);
      if (auth?.has(e.name)) return permanent(provider, e.name, response, 'auth');
      return permanent(provider, e.name, response);
    }
    const name = (err as { name?: string }).name;
    if (name === 'AbortError' || name === 'TimeoutError') {
      return timedOut(
        provider,
        options.signal.aborted && !timeout.aborted
          ? `aborted before ${provider.toUpperCase()} answered (worker stopping)`
          : `no response within ${options.timeoutMs} ms`,
      );
    }
    return networkError(provider, err);
  }
}

/** What an AWS SDK provider's configuration holds besides its credentials. */
export interface AwsProviderOptions<S extends AwsCredentials> {
  /** Endpoint override (VPC endpoint, local test server). Default: the region's endpoint. */
  readonly endpoint?: string;
  /** Time allowed for one call. Default 10 000 ms. */
  readonly timeoutMs?: number;
  readonly now?: () => Date;
  readonly tenants?: Readonly<Record<string, S>>;
}

/** One AWS service spoken through its SDK: how to make a client and a command, and what its errors mean. */
export interface AwsProviderSpec<S extends AwsCredentials, C extends { destroy(): void }, Cmd> {
  readonly name: string;
  readonly channel: ChannelName;
  readonly makeClient: (clientConfig: ReturnType<typeof awsClientConfig>) => C;
  /** The command for one job; throws a HeraldError for content or settings the service would refuse. */
  readonly prepare: (job: DeliveryJob, content: RenderedContent | undefined, settings: S) => Cmd;
  readonly call: (
    client: C,
    command: Cmd,
    abortSignal: AbortSignal,
  ) => ReturnType<Parameters<typeof sendAwsCall>[1]>;
  readonly serviceException: abstract new (...args: never[]) => Error;
  readonly errors: AwsErrorNames;
}

/**
 * A provider over an AWS SDK client (SES, SNS): a client per tenant with its own
 * credentials (shared settings otherwise), the command built by `spec.prepare`, the
 * call made and classed by {@link sendAwsCall}. AWS has no free probe, so the health
 * check says so and failures show in outcomes.
 */
export function createAwsProvider<S extends AwsCredentials, C extends { destroy(): void }, Cmd>(
  spec: AwsProviderSpec<S, C, Cmd>,
  config: S & AwsProviderOptions<S>,
): ChannelProvider {
  const timeoutMs = config.timeoutMs ?? 10_000;
  const now = config.now ?? (() => new Date());
  const clients = tenantClients<S, C>(
    config,
    config.tenants,
    (settings, tenant) =>
      spec.makeClient(
        awsClientConfig(spec.name, settings, tenant, { timeoutMs, endpoint: config.endpoint }),
      ),
    (client) => client.destroy(),
  );
  const label = spec.name.toUpperCase();
  return {
    name: spec.name,
    channel: spec.channel,
    async send(job, content, signal) {
      let client: C;
      let command: Cmd;
      try {
        const found = clients.get(job.tenant);
        client = found.client;
        command = spec.prepare(job, content, found.settings);
      } catch (err) {
        if (err instanceof HeraldError) return fromHeraldError(err);
        throw err;
      }
      return sendAwsCall(spec.name, (abortSignal) => spec.call(client, command, abortSignal), {
        signal,
        timeoutMs,
        now: now(),
        serviceException: spec.serviceException,
        errors: spec.errors,
      });
    },
    healthCheck: async () => ({
      ok: true,
      detail: `${label} has no free probe; failures show in outcomes`,
    }),
    close: clients.close,
  };
}
