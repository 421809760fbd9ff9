import type { Agent } from 'node:http';
import type { LookupFunction } from 'node:net';
import type { ChannelName, Logger } from '@herald/core';
import type { ChannelProvider } from '../http/http-provider.js';
import type { ReadSecretFile } from './channel-settings.js';

/** Options of createChannelRouter: the edges (files, clock, DNS, agents) tests and proxies replace. */
export interface ChannelRouterOptions {
  readonly logger?: Logger;
  /** Reads `*_FILE` secrets and the tenants file. Default: `fs.readFileSync`. */
  readonly readFile?: ReadSecretFile;
  /** Clock for webhook timestamps and `Retry-After` dates. */
  readonly now?: () => Date;
  /** DNS lookup for recipient URLs (webhook, Slack/Discord/Teams webhooks); answers still pass the SSRF policy. */
  readonly lookup?: LookupFunction;
  /** HTTP agent for every Google call of FCM (egress proxy). */
  readonly fcmHttpAgent?: Agent;
  /**
   * Providers the app built itself, used instead of the registry's builder: `inapp`,
   * which stores into the inbox (@herald/inbox needs Postgres and Redis, which
   * channels does not depend on). Closed with the router.
   */
  readonly providers?: Partial<Record<ChannelName, ChannelProvider>>;
}
