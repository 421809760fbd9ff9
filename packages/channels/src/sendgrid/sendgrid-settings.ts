import { z } from 'zod';
import { secret, secretFile, tenantText, url } from '../config/setting-types.js';

/** The SendGrid provider's part of `channelsEnv()`. */
export const sendgridEnv = () => ({
  HERALD_SENDGRID_API_KEY: secret(),
  HERALD_SENDGRID_API_KEY_FILE: secretFile(),
  HERALD_SENDGRID_FROM: z.string().optional(),
  /** API base; `https://api.eu.sendgrid.com` for EU data residency, a local server in tests. */
  HERALD_SENDGRID_API_URL: url('https://api.sendgrid.com'),
});

/** A tenant's `sendgrid` section of HERALD_CHANNEL_TENANTS_FILE. */
export const sendgridTenantSection = z
  .strictObject({ apiKey: tenantText, from: tenantText })
  .partial();
