import { z } from 'zod';
import { secret, secretFile, tenantText, url } from '../config/setting-types.js';

/** The Vonage (SMS API) provider's part of `channelsEnv()`. */
export const vonageEnv = () => ({
  HERALD_VONAGE_API_KEY: z.string().optional(),
  HERALD_VONAGE_API_SECRET: secret(),
  HERALD_VONAGE_API_SECRET_FILE: secretFile(),
  /** Sender: a Vonage number (digits, international format) or an alphanumeric id. */
  HERALD_VONAGE_FROM: z.string().optional(),
  /** API base; a local server in tests. */
  HERALD_VONAGE_API_URL: url('https://rest.nexmo.com'),
});

/** A tenant's `vonage` section of HERALD_CHANNEL_TENANTS_FILE. */
export const vonageTenantSection = z
  .strictObject({ apiKey: tenantText, apiSecret: tenantText, from: tenantText })
  .partial();
