import { z } from 'zod';
import { secret, secretFile, tenantText, url } from '../config/setting-types.js';

/** The Twilio provider's part of `channelsEnv()`. */
export const twilioEnv = () => ({
  HERALD_TWILIO_ACCOUNT_SID: z.string().optional(),
  HERALD_TWILIO_AUTH_TOKEN: secret(),
  HERALD_TWILIO_AUTH_TOKEN_FILE: secretFile(),
  /** Sender number (E.164) or alphanumeric id; or HERALD_TWILIO_MESSAGING_SERVICE_SID. */
  HERALD_TWILIO_FROM: z.string().optional(),
  HERALD_TWILIO_MESSAGING_SERVICE_SID: z.string().optional(),
  HERALD_TWILIO_API_URL: url('https://api.twilio.com'),
});

/** A tenant's `twilio` section of HERALD_CHANNEL_TENANTS_FILE. */
export const twilioTenantSection = z
  .strictObject({
    accountSid: tenantText,
    authToken: tenantText,
    from: tenantText,
    messagingServiceSid: tenantText,
  })
  .partial();
