import type { Agent } from 'node:http';
import type { LookupFunction } from 'node:net';
import type { Logger } from '@herald/core';
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
}
