import { z } from 'zod';
import { secret, secretFile, tenantText } from '../config/setting-types.js';

/** The FCM provider's part of `channelsEnv()`. */
export const fcmEnv = () => ({
  /** Default: the service account's project_id. */
  HERALD_FCM_PROJECT_ID: z.string().optional(),
  /** The service account key JSON from the Firebase console. */
  HERALD_FCM_SERVICE_ACCOUNT: secret(),
  HERALD_FCM_SERVICE_ACCOUNT_FILE: secretFile(),
});

/** A tenant's `fcm` section of HERALD_CHANNEL_TENANTS_FILE. */
export const fcmTenantSection = z
  .strictObject({ projectId: tenantText, serviceAccount: z.record(z.string(), z.unknown()) })
  .partial();
