import {
  HeraldError,
  runCleanups,
  silentLogger,
  type ChannelName,
  type DeliveryJob,
  type DeliveryOutcome,
  type RenderedContent,
} from '@herald/core';
import type { ChannelProvider } from '../http/http-provider.js';
import type { ChannelsEnv } from './channels-env.js';
import { ChannelSettingsReader } from './channel-settings.js';
import type { ChannelRouterOptions } from './channel-router-options.js';
import type { BuildContext } from './build-context.js';
import { providerRegistry } from './provider-registry.js';

/**
 * The providers of one worker, one per channel it serves, built from settings.
 * `send` picks the job's provider; the email channel uses the provider named by
 * `HERALD_EMAIL_PROVIDER`, and the Slack provider speaks to an incoming webhook or
 * the Web API by the address's shape (URL or channel id).
 */
export interface ChannelRouter {
  /** The channels served, in the order given. */
  readonly channels: readonly ChannelName[];
  /** The provider of each channel served. */
  readonly providers: ReadonlyMap<ChannelName, ChannelProvider>;
  /** Settings that work but limit what can be sent (e.g. Slack without a bot token); log them at start-up. */
  readonly warnings: readonly string[];
  /** The provider for a job's channel; undefined when this router does not serve it. */
  providerFor(job: DeliveryJob): ChannelProvider | undefined;
  /** Sends through the job's provider; a channel not served is a permanent failure. Never throws. */
  send(
    job: DeliveryJob,
    content: RenderedContent | undefined,
    signal: AbortSignal,
  ): Promise<DeliveryOutcome>;
  /** Closes every provider (pools, SDK clients), each even if another fails; idempotent. */
  close(): Promise<void>;
}

/**
 * Builds the providers for `channels` from an app's `channelsEnv()` settings. Secret
 * files and the tenants file are read here, once. Every problem (a channel without
 * credentials, both `X` and `X_FILE` set, a malformed JSON secret or tenants file)
 * is reported at once in one `HERALD_ERR_CHANNEL_CONFIG` naming the providers and
 * settings, and never quoting a credential. Nothing connects until the first send.
 *
 * @example
 * const router = createChannelRouter(env, env.HERALD_WORKER_CHANNELS, { logger });
 * for (const warning of router.warnings) logger.warn({}, warning);
 * const outcome = await router.send(job, content, signal);
 * await router.close();
 */
export function createChannelRouter(
  env: ChannelsEnv,
  channels: readonly ChannelName[],
  options: ChannelRouterOptions = {},
): ChannelRouter {
  const log = (options.logger ?? silentLogger).child({ component: 'channels' });
  const reader = new ChannelSettingsReader(env, options.readFile);
  const problems: { provider: string; message: string }[] = [];
  const warnings: string[] = [];
  const built: [ChannelName, ChannelProvider][] = [];
  const served = [...new Set(channels)];

  for (const channel of served) {
    const given = options.providers?.[channel];
    if (given !== undefined) {
      built.push([channel, given]);
      continue;
    }
    const builder = providerRegistry[channel];
    const name = builder.providerName(reader);
    const context: BuildContext = {
      reader,
      env,
      options,
      problem: (message) => problems.push({ provider: name, message }),
      warn: (message) => warnings.push(`${name}: ${message}`),
    };
    const before = reader.problems.length;
    let provider: ChannelProvider | undefined;
    try {
      provider = builder.build(context);
    } catch (err) {
      // A provider factory refusing its config (e.g. an allowCidrs range).
      context.problem(err instanceof Error ? err.message : String(err));
    }
    for (const message of reader.problems.splice(before)) context.problem(message);
    if (provider !== undefined) built.push([channel, provider]);
  }

  if (problems.length > 0) {
    // Release what was built before refusing to start.
    void runCleanups(
      built.map(
        ([, p]) =>
          () =>
            p.close(),
      ),
    ).catch(() => undefined);
    throw new HeraldError('HERALD_ERR_CHANNEL_CONFIG', [
      [...new Set(problems.map((p) => p.provider))].join(', '),
      problems.map((p) => `${p.provider}: ${p.message}`).join('; '),
    ]);
  }

  const providers = new Map(built);
  log.info(
    { channels: served, providers: built.map(([c, p]) => `${c}=${p.name}`) },
    'channel providers ready',
  );
  let closing: Promise<void> | undefined;

  return {
    channels: served,
    providers,
    warnings,
    providerFor: (job) => providers.get(job.channel),
    async send(job, content, signal) {
      const provider = providers.get(job.channel);
      if (provider === undefined) {
        return {
          status: 'failed',
          permanent: true,
          failureClass: 'permanent',
          reason: `HERALD_ERR_CHANNEL_CONFIG: channel provider ${job.channel} is misconfigured: this worker serves ${served.join(', ')}`,
        };
      }
      return provider.send(job, content, signal);
    },
    close() {
      closing ??= runCleanups(
        [...built].reverse().map(
          ([, p]) =>
            () =>
              p.close(),
        ),
      );
      return closing;
    },
  };
}
