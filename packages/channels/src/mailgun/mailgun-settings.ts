import { z } from 'zod';
import { secret, secretFile, tenantText, url } from '../config/setting-types.js';

/** The Mailgun provider's part of `channelsEnv()`. */
export const mailgunEnv = () => ({
  /** Private API key (or a domain sending key), sent as basic auth `api:<key>`. */
  HERALD_MAILGUN_API_KEY: secret(),
  HERALD_MAILGUN_API_KEY_FILE: secretFile(),
  /** The sending domain, e.g. `mg.acme.dev`: the `{domain}` of `/v3/{domain}/messages`. */
  HERALD_MAILGUN_DOMAIN: z.string().min(1).optional(),
  HERALD_MAILGUN_FROM: z.string().optional(),
  /** API base; `https://api.eu.mailgun.net` for domains in the EU region. */
  HERALD_MAILGUN_API_URL: url('https://api.mailgun.net'),
});

/** A tenant's `mailgun` section of HERALD_CHANNEL_TENANTS_FILE. */
export const mailgunTenantSection = z
  .strictObject({ apiKey: tenantText, domain: tenantText, from: tenantText })
  .partial();
