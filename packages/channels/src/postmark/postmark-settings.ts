import { z } from 'zod';
import { secret, secretFile, tenantText, url } from '../config/setting-types.js';

/** The Postmark provider's part of `channelsEnv()`. */
export const postmarkEnv = () => ({
  /** Server API token (X-Postmark-Server-Token), not the account token. */
  HERALD_POSTMARK_SERVER_TOKEN: secret(),
  HERALD_POSTMARK_SERVER_TOKEN_FILE: secretFile(),
  HERALD_POSTMARK_FROM: z.string().optional(),
  /** The message stream sent through; Postmark's default transactional stream is `outbound`. */
  HERALD_POSTMARK_MESSAGE_STREAM: z.string().min(1).default('outbound'),
  HERALD_POSTMARK_API_URL: url('https://api.postmarkapp.com'),
});

/** A tenant's `postmark` section of HERALD_CHANNEL_TENANTS_FILE. */
export const postmarkTenantSection = z
  .strictObject({ serverToken: tenantText, from: tenantText, messageStream: tenantText })
  .partial();
