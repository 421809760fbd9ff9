import type { ChannelProvider } from '../http/http-provider.js';
import type { ChannelRouterOptions } from './channel-router-options.js';
import type { ChannelSettingsReader } from './channel-settings.js';
import type { ChannelsEnv } from './channels-env.js';

/** What a provider's builder gets: the settings, the router's options and where to report problems. */
export interface BuildContext {
  readonly reader: ChannelSettingsReader;
  readonly env: ChannelsEnv;
  readonly options: ChannelRouterOptions;
  /** Records a problem that stops start-up. */
  problem(message: string): void;
  /** Records a limitation the worker logs at start-up. */
  warn(message: string): void;
}

/** Builds one provider from settings; each provider folder has its own (`<provider>-builder.ts`). */
export type BuildProvider = (context: BuildContext) => ChannelProvider | undefined;

/**
 * Checks that each required credential is set, shared or, for every tenant of the
 * tenants file with a section for this provider, in the merged tenant view.
 * `fields` maps a credential key to [its setting name, its shared value].
 */
export function requireFields(
  context: BuildContext,
  provider: string,
  fields: Readonly<Record<string, readonly [setting: string, shared: unknown]>>,
  tenants: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
): void {
  const missing = Object.entries(fields).filter(([, [, shared]]) => shared === undefined);
  if (missing.length > 0 && Object.keys(tenants).length === 0) {
    context.problem(
      `${missing.map(([, [setting]]) => setting).join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set (or the same with _FILE, or per tenant in HERALD_CHANNEL_TENANTS_FILE)`,
    );
    return;
  }
  for (const [tenant, own] of Object.entries(tenants)) {
    const gaps = missing.filter(([key]) => own[key] === undefined);
    if (gaps.length > 0) {
      context.problem(
        `tenant ${tenant} has no ${gaps.map(([key, [setting]]) => `${key} (${provider}.${key} in HERALD_CHANNEL_TENANTS_FILE, or ${setting})`).join(', ')}`,
      );
    }
  }
}

/** The call timeout and clock every provider but webhook takes. */
export const common = (context: BuildContext) => ({
  timeoutMs: context.env.HERALD_CHANNEL_TIMEOUT_MS,
  ...(context.options.now === undefined ? {} : { now: context.options.now }),
});

/** {@link common} plus the SSRF policy of the chat providers posting to recipient URLs. */
export const chatPolicy = (context: BuildContext) => ({
  ...common(context),
  allowPrivateNetworks: context.env.HERALD_CHAT_ALLOW_PRIVATE_NETWORKS,
  ...(context.options.lookup === undefined ? {} : { lookup: context.options.lookup }),
});

/** The provider's own sender, else the shared HERALD_EMAIL_FROM. */
export function emailFrom(context: BuildContext, own: string | undefined) {
  return own ?? context.env.HERALD_EMAIL_FROM;
}

/** Drops undefined values, for configs under `exactOptionalPropertyTypes`. */
export function defined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
