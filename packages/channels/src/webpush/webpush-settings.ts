import { z } from 'zod';
import { flag } from '@herald/core';
import { secret, secretFile, tenantText } from '../config/setting-types.js';

/** The Web Push (VAPID) provider's part of `channelsEnv()`. */
export const webPushEnv = () => ({
  /** The application server's VAPID public key (base64url, uncompressed P-256 point), as given to the browser. */
  HERALD_WEBPUSH_VAPID_PUBLIC_KEY: z.string().optional(),
  /** The VAPID private key (base64url, 32 bytes). */
  HERALD_WEBPUSH_VAPID_PRIVATE_KEY: secret(),
  HERALD_WEBPUSH_VAPID_PRIVATE_KEY_FILE: secretFile(),
  /** Contact for the push service: a `mailto:` or `https:` URL. */
  HERALD_WEBPUSH_SUBJECT: z.string().optional(),
  /** How long the push service keeps an undelivered message (seconds). */
  HERALD_WEBPUSH_TTL_SECONDS: z.coerce.number().int().min(0).default(86_400),
  /**
   * Subscription endpoints come from browsers, so private and loopback addresses are
   * refused (SSRF); true for a self-hosted push service on a private network.
   */
  HERALD_WEBPUSH_ALLOW_PRIVATE_NETWORKS: flag(false),
});

/** A tenant's `webpush` section of HERALD_CHANNEL_TENANTS_FILE. */
export const webPushTenantSection = z
  .strictObject({ vapidPublicKey: tenantText, vapidPrivateKey: tenantText, subject: tenantText })
  .partial();
