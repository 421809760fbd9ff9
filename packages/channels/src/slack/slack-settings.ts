import { z } from 'zod';
import { secret, secretFile, tenantText, url } from '../config/setting-types.js';

/** The Slack provider's part of `channelsEnv()`. */
export const slackEnv = () => ({
  /** Bot token (`xoxb-…`) for channel ids; incoming-webhook addresses need none. */
  HERALD_SLACK_BOT_TOKEN: secret(),
  HERALD_SLACK_BOT_TOKEN_FILE: secretFile(),
  HERALD_SLACK_API_URL: url('https://slack.com/api'),
});

/** A tenant's `slack` section of HERALD_CHANNEL_TENANTS_FILE. */
export const slackTenantSection = z.strictObject({ botToken: tenantText }).partial();
