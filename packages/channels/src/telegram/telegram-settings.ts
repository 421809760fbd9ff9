import { z } from 'zod';
import { secret, secretFile, tenantText, url } from '../config/setting-types.js';

/** The Telegram provider's part of `channelsEnv()`. */
export const telegramEnv = () => ({
  HERALD_TELEGRAM_BOT_TOKEN: secret(),
  HERALD_TELEGRAM_BOT_TOKEN_FILE: secretFile(),
  HERALD_TELEGRAM_API_URL: url('https://api.telegram.org'),
});

/** A tenant's `telegram` section of HERALD_CHANNEL_TENANTS_FILE. */
export const telegramTenantSection = z.strictObject({ botToken: tenantText }).partial();
