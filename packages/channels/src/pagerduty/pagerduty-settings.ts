import { z } from 'zod';
import { secret, secretFile, tenantText, url } from '../config/setting-types.js';

/** The PagerDuty provider's part of `channelsEnv()`. */
export const pagerdutyEnv = () => ({
  /** Integration keys by name as JSON: {"payments": "R0…"}; an address naming one uses it. */
  HERALD_PAGERDUTY_ROUTING_KEYS: secret(),
  HERALD_PAGERDUTY_ROUTING_KEYS_FILE: secretFile(),
  HERALD_PAGERDUTY_API_URL: url('https://events.pagerduty.com'),
  HERALD_PAGERDUTY_SOURCE: z.string().optional(),
});

/** A tenant's `pagerduty` section of HERALD_CHANNEL_TENANTS_FILE. */
export const pagerdutyTenantSection = z
  .strictObject({ routingKeys: z.record(z.string(), tenantText) })
  .partial();
