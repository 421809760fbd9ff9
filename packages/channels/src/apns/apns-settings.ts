import { z } from 'zod';
import { secret, secretFile, tenantText, url } from '../config/setting-types.js';

/** The APNs (token-based auth) provider's part of `channelsEnv()`. */
export const apnsEnv = () => ({
  /** The Apple Developer team id (10 characters). */
  HERALD_APNS_TEAM_ID: z.string().optional(),
  /** The id of the APNs auth key (.p8). */
  HERALD_APNS_KEY_ID: z.string().optional(),
  /** The APNs auth key: the .p8 file's PEM text. */
  HERALD_APNS_SIGNING_KEY: secret(),
  HERALD_APNS_SIGNING_KEY_FILE: secretFile(),
  /** The app's bundle id (the `apns-topic`). */
  HERALD_APNS_TOPIC: z.string().optional(),
  /** API origin: production, `https://api.sandbox.push.apple.com` for development builds. */
  HERALD_APNS_API_URL: url('https://api.push.apple.com'),
  /**
   * CA certificates (PEM) that APNs's TLS certificate is checked against instead of Node's
   * built-in list: a TLS-inspecting egress proxy, an APNs simulator in tests.
   */
  HERALD_APNS_CA: secret(),
  HERALD_APNS_CA_FILE: secretFile(),
});

/** A tenant's `apns` section of HERALD_CHANNEL_TENANTS_FILE. */
export const apnsTenantSection = z
  .strictObject({
    teamId: tenantText,
    keyId: tenantText,
    signingKey: tenantText,
    topic: tenantText,
  })
  .partial();
