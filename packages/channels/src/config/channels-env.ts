import { z } from 'zod';
import { flag, millis } from '@herald/core';
import { Secret } from './secret.js';

/**
 * A credential setting. Never validated here: `parseEnv` quotes a refused value in
 * its error, so credentials are only wrapped (see {@link Secret}) and checked by
 * `loadChannelSettings`, whose messages never quote them.
 */
const secret = () =>
  z
    .string()
    .transform((value) => new Secret(value))
    .optional();

/** A path to a file holding the credential (a mounted Kubernetes Secret, Docker secret). */
const secretFile = () => z.string().optional();

const url = (example: string) =>
  z.url({ message: `expected an http(s) URL, e.g. ${example}` }).optional();

/** Email providers the `email` channel can use; `HERALD_EMAIL_PROVIDER` picks one. */
export const emailProviders = ['ses', 'smtp', 'resend'] as const;
export type EmailProviderName = (typeof emailProviders)[number];

/**
 * The settings of every delivery provider, for an app's `src/env.ts` to compose.
 * Every credential `X` may instead be given as `X_FILE`, a path read once at
 * start-up (trailing whitespace trimmed); setting both is refused. Per-tenant
 * credentials come from the JSON file `HERALD_CHANNEL_TENANTS_FILE` (see
 * docs/channels.md). Nothing here connects: `createChannelRouter` builds the
 * providers a worker's channels need and refuses missing credentials then.
 *
 * @example
 * const env = parseEnv({ ...kafkaEnv(), ...channelsEnv() }, process.env);
 */
export function channelsEnv() {
  return {
    /** Time allowed for one provider call (every provider but webhook). */
    HERALD_CHANNEL_TIMEOUT_MS: millis(10_000),
    /** JSON file of per-tenant credentials: {"acme": {"ses": {...}, "slack": {...}}}. */
    HERALD_CHANNEL_TENANTS_FILE: z.string().optional(),

    /** Webhook signing secrets as JSON: {"default": "whsec_..."}; a list signs with each (rotation). */
    HERALD_WEBHOOK_SECRETS: secret(),
    HERALD_WEBHOOK_SECRETS_FILE: secretFile(),
    HERALD_WEBHOOK_TIMEOUT_MS: millis(10_000),
    /**
     * Keep-alive connections per receiving origin (scheme, host, port): the most requests
     * one endpoint gets at once from a worker process. Polite by default; raise it for
     * your own high-volume endpoints.
     */
    HERALD_WEBHOOK_CONNECTIONS_PER_ORIGIN: z.coerce.number().int().min(1).max(1000).default(16),
    /** Allow webhook targets on private, loopback and link-local networks (local development only). */
    HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: flag(false),

    /** Which provider sends the email channel. Required when the worker serves email. */
    HERALD_EMAIL_PROVIDER: z
      .enum(emailProviders, { message: `expected one of ${emailProviders.join(', ')}` })
      .optional(),
    /** Default sender for every email provider, e.g. `Acme <alerts@acme.dev>`. */
    HERALD_EMAIL_FROM: z.string().optional(),

    HERALD_SES_REGION: z.string().optional(),
    HERALD_SES_ACCESS_KEY_ID: secret(),
    HERALD_SES_ACCESS_KEY_ID_FILE: secretFile(),
    HERALD_SES_SECRET_ACCESS_KEY: secret(),
    HERALD_SES_SECRET_ACCESS_KEY_FILE: secretFile(),
    HERALD_SES_SESSION_TOKEN: secret(),
    HERALD_SES_SESSION_TOKEN_FILE: secretFile(),
    HERALD_SES_FROM: z.string().optional(),
    HERALD_SES_CONFIGURATION_SET: z.string().optional(),
    /** Endpoint override (VPC endpoint, local test server). */
    HERALD_SES_ENDPOINT: url('https://email.eu-west-1.amazonaws.com'),

    /** `smtp://user:password@host:587` (STARTTLS) or `smtps://user:password@host:465` (TLS). */
    HERALD_SMTP_URL: secret(),
    HERALD_SMTP_URL_FILE: secretFile(),
    HERALD_SMTP_FROM: z.string().optional(),
    /** Refuse servers that do not offer STARTTLS. */
    HERALD_SMTP_REQUIRE_TLS: flag(false),
    HERALD_SMTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100).default(5),

    HERALD_RESEND_API_KEY: secret(),
    HERALD_RESEND_API_KEY_FILE: secretFile(),
    HERALD_RESEND_FROM: z.string().optional(),
    HERALD_RESEND_API_URL: url('https://api.resend.com'),

    HERALD_TWILIO_ACCOUNT_SID: z.string().optional(),
    HERALD_TWILIO_AUTH_TOKEN: secret(),
    HERALD_TWILIO_AUTH_TOKEN_FILE: secretFile(),
    /** Sender number (E.164) or alphanumeric id; or HERALD_TWILIO_MESSAGING_SERVICE_SID. */
    HERALD_TWILIO_FROM: z.string().optional(),
    HERALD_TWILIO_MESSAGING_SERVICE_SID: z.string().optional(),
    HERALD_TWILIO_API_URL: url('https://api.twilio.com'),

    /** Default: the service account's project_id. */
    HERALD_FCM_PROJECT_ID: z.string().optional(),
    /** The service account key JSON from the Firebase console. */
    HERALD_FCM_SERVICE_ACCOUNT: secret(),
    HERALD_FCM_SERVICE_ACCOUNT_FILE: secretFile(),

    /** Bot token (`xoxb-…`) for channel ids; incoming-webhook addresses need none. */
    HERALD_SLACK_BOT_TOKEN: secret(),
    HERALD_SLACK_BOT_TOKEN_FILE: secretFile(),
    HERALD_SLACK_API_URL: url('https://slack.com/api'),

    HERALD_TELEGRAM_BOT_TOKEN: secret(),
    HERALD_TELEGRAM_BOT_TOKEN_FILE: secretFile(),
    HERALD_TELEGRAM_API_URL: url('https://api.telegram.org'),

    /** Integration keys by name as JSON: {"payments": "R0…"}; an address naming one uses it. */
    HERALD_PAGERDUTY_ROUTING_KEYS: secret(),
    HERALD_PAGERDUTY_ROUTING_KEYS_FILE: secretFile(),
    HERALD_PAGERDUTY_API_URL: url('https://events.pagerduty.com'),
    HERALD_PAGERDUTY_SOURCE: z.string().optional(),

    /** Allow Slack, Discord and Teams webhook URLs on private networks (local development only). */
    HERALD_CHAT_ALLOW_PRIVATE_NETWORKS: flag(false),
  };
}

/** The parsed settings `channelsEnv()` contributes to an app's env. */
export type ChannelsEnv = Readonly<z.infer<z.ZodObject<ReturnType<typeof channelsEnv>>>>;
