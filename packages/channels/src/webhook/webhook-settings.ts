import { z } from 'zod';
import { flag, millis } from '@herald/core';
import { secret, secretFile, tenantText } from '../config/setting-types.js';

/** The webhook provider's part of `channelsEnv()`. */
export const webhookEnv = () => ({
  /** Webhook signing secrets as JSON: {"default": "whsec_..."}; a list signs with each (rotation). */
  HERALD_WEBHOOK_SECRETS: secret(),
  HERALD_WEBHOOK_SECRETS_FILE: secretFile(),
  HERALD_WEBHOOK_TIMEOUT_MS: millis(10_000),
  /**
   * Keep-alive connections per receiving origin (scheme, host, port): the most requests
   * one endpoint gets at once from a worker process. Polite by default; raise it for
   * your own high-volume endpoints.
   */
  HERALD_WEBHOOK_CONNECTIONS_PER_ORIGIN: z.coerce.number().int().min(1).max(1000).default(16),
  /** Allow webhook targets on private, loopback and link-local networks (local development only). */
  HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: flag(false),
});

/** A tenant's `webhook` section of HERALD_CHANNEL_TENANTS_FILE. */
export const webhookTenantSection = z.strictObject({
  secrets: z.record(z.string(), z.union([tenantText, z.array(tenantText).min(1)])),
});
