import { z } from 'zod';
import { secret, secretFile, tenantText, url } from '../config/setting-types.js';

/** The SES provider's part of `channelsEnv()`. */
export const sesEnv = () => ({
  HERALD_SES_REGION: z.string().optional(),
  HERALD_SES_ACCESS_KEY_ID: secret(),
  HERALD_SES_ACCESS_KEY_ID_FILE: secretFile(),
  HERALD_SES_SECRET_ACCESS_KEY: secret(),
  HERALD_SES_SECRET_ACCESS_KEY_FILE: secretFile(),
  HERALD_SES_SESSION_TOKEN: secret(),
  HERALD_SES_SESSION_TOKEN_FILE: secretFile(),
  HERALD_SES_FROM: z.string().optional(),
  HERALD_SES_CONFIGURATION_SET: z.string().optional(),
  /** Endpoint override (VPC endpoint, local test server). */
  HERALD_SES_ENDPOINT: url('https://email.eu-west-1.amazonaws.com'),
});

/** A tenant's `ses` section of HERALD_CHANNEL_TENANTS_FILE. */
export const sesTenantSection = z
  .strictObject({
    region: tenantText,
    accessKeyId: tenantText,
    secretAccessKey: tenantText,
    sessionToken: tenantText,
    from: tenantText,
    configurationSetName: tenantText,
  })
  .partial();
