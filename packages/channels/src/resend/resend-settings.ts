import { z } from 'zod';
import { secret, secretFile, tenantText, url } from '../config/setting-types.js';

/** The Resend provider's part of `channelsEnv()`. */
export const resendEnv = () => ({
  HERALD_RESEND_API_KEY: secret(),
  HERALD_RESEND_API_KEY_FILE: secretFile(),
  HERALD_RESEND_FROM: z.string().optional(),
  HERALD_RESEND_API_URL: url('https://api.resend.com'),
});

/** A tenant's `resend` section of HERALD_CHANNEL_TENANTS_FILE. */
export const resendTenantSection = z
  .strictObject({ apiKey: tenantText, from: tenantText })
  .partial();
