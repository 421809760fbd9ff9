import { z } from 'zod';
import {
  HeraldError,
  databaseEnv,
  kafkaEnv,
  lifecycleEnv,
  logEnv,
  parseEnv,
  redisEnv,
  type EnvSource,
} from '@herald/core';
import { channelsEnv } from '@herald/channels';
import { telemetryEnv } from '@herald/telemetry';
import { sendgridPublicKey } from './receipts/sendgrid-receipts.js';
import { vonageSignatureMethods } from './receipts/vonage-receipts.js';

const list = z.string().transform((s) =>
  s
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
);

const receiptSecrets = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected JSON such as {"postmark":"whsec_..."}' });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(
      z.string().regex(/^[a-z0-9-]+$/, 'provider names are lower-case letters, digits and "-"'),
      z.union([z.string().startsWith('whsec_'), z.array(z.string().startsWith('whsec_')).min(1)]),
      { message: 'expected {"provider": "whsec_..."} or {"provider": ["whsec_new", "whsec_old"]}' },
    ),
  );

const shape = {
  ...kafkaEnv(),
  ...databaseEnv(),
  ...logEnv(),
  ...lifecycleEnv(),
  /**
   * The ops port HERALD_METRICS_PORT (9464: /metrics, /healthz, /readyz, what probes
   * and Prometheus call), consumer lag, OTEL_* tracing. Apart from the API port on
   * purpose: providers reach the API, never the metrics.
   */
  ...telemetryEnv(),
  /**
   * Every provider's settings, as the worker reads them: only POST /v1/test-send uses
   * them, to send one message through a channel's real provider. Optional: a channel
   * without its provider's settings answers 409 naming the settings to set.
   */
  ...channelsEnv(),
  HERALD_API_HOST: z.string().default('0.0.0.0'),
  /** The HTTP API (receipts, /healthz): what providers call. Must differ from HERALD_METRICS_PORT. */
  HERALD_API_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /**
   * The URL providers call, e.g. https://herald.example.com (behind a proxy the
   * request's own URL differs). Twilio signs the full URL, so it must match.
   */
  HERALD_API_PUBLIC_URL: z
    .url({ message: 'expected an http(s) URL, e.g. https://herald.example.com' })
    .optional(),
  /** Twilio's auth token; without it the Twilio receipt endpoint answers 404. */
  HERALD_API_TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  /** Mailgun's webhook signing key; without it the Mailgun receipt endpoint answers 404. */
  HERALD_API_MAILGUN_SIGNING_KEY: z.string().min(1).optional(),
  /**
   * Vonage's signature secret (dashboard, API settings); signed webhooks must be on for the
   * account. Without it the Vonage receipt endpoint answers 404.
   */
  HERALD_API_VONAGE_SIGNATURE_SECRET: z.string().min(1).optional(),
  /** The signature method chosen with that secret: md5hash (Vonage's default) or an HMAC. */
  HERALD_API_VONAGE_SIGNATURE_METHOD: z
    .enum(vonageSignatureMethods, {
      message: `expected one of ${vonageSignatureMethods.join(', ')}`,
    })
    .default('md5hash'),
  /**
   * Postmark signs nothing: its webhook URL carries basic auth, which must be this user
   * and password. Without both the Postmark receipt endpoint answers 404.
   */
  HERALD_API_POSTMARK_USER: z.string().min(1).optional(),
  HERALD_API_POSTMARK_PASSWORD: z.string().min(1).optional(),
  /**
   * SendGrid's signed Event Webhook verification key (base64 DER, ECDSA P-256); without
   * it the SendGrid receipt endpoint answers 404.
   */
  HERALD_API_SENDGRID_PUBLIC_KEY: z
    .string()
    // Parsed once here: the api verifies with the key object, and a bad key stops start-up.
    .transform((key, ctx) => {
      try {
        return sendgridPublicKey(key);
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'expected the base64 ECDSA P-256 verification key SendGrid shows',
        });
        return z.NEVER;
      }
    })
    .optional(),
  /**
   * Hosts an SNS SigningCertURL may point at (`*` = one DNS label). The certificate is
   * fetched over https only, except from a loopback host listed here (tests).
   */
  HERALD_API_SNS_CERT_HOSTS: list.default(['sns.*.amazonaws.com', 'sns.*.amazonaws.com.cn']),
  /** SNS topics accepted (ARNs). Empty accepts any topic: anyone can sign with SNS. */
  HERALD_API_SNS_TOPIC_ARNS: list.default([]),
  /** Standard Webhooks secrets per provider for /v1/receipts/webhook/<provider>. */
  HERALD_API_RECEIPT_SECRETS: receiptSecrets.default({}),
  /**
   * Redis for the management API's per-key request limits and Idempotency-Key answers.
   * Without it /v1 serves requests unlimited and without idempotency (a warning says so).
   */
  REDIS_URL: redisEnv().REDIS_URL.optional(),
  /** Requests each API key may make per HERALD_API_RATE_PERIOD_MS (RateLimit-* headers, 429). */
  HERALD_API_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(1200),
  HERALD_API_RATE_PERIOD_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
  /**
   * How long a verified key is remembered (ms): a revoked key keeps working this long
   * on other replicas. 0 asks Postgres on every request.
   */
  HERALD_API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(300_000).default(5_000),
  /** Most events per POST /v1/events. */
  HERALD_API_EVENTS_MAX_BATCH: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Serve the API reference page at /v1/docs (the OpenAPI document is always at /v1/openapi.json). */
  HERALD_API_DOCS: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /**
   * Browser origins allowed to call the API from another origin (CORS), e.g.
   * `https://admin.example.com`. Empty (the default): CORS is off, no Access-Control-*
   * headers are sent and browsers refuse cross-origin calls.
   */
  HERALD_API_CORS_ORIGINS: list.default([]),
  /** Largest request body accepted. */
  HERALD_API_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(262_144),
};

export type ApiEnv = ReturnType<typeof parseApiEnv>;

/** Parses and freezes the API's settings; throws naming every bad one. */
export function parseApiEnv(source: EnvSource) {
  const env = parseEnv(shape, source);
  if (env.HERALD_API_PORT !== 0 && env.HERALD_API_PORT === env.HERALD_METRICS_PORT) {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', [
      `HERALD_API_PORT and HERALD_METRICS_PORT are both ${env.HERALD_API_PORT}; the API and the ops server (/metrics, /healthz, /readyz) need two ports: keep HERALD_API_PORT=8080 and HERALD_METRICS_PORT=9464, or set two different ones`,
    ]);
  }
  if (!env.HERALD_API_POSTMARK_USER !== !env.HERALD_API_POSTMARK_PASSWORD) {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', [
      'HERALD_API_POSTMARK_USER and HERALD_API_POSTMARK_PASSWORD go together: set both (the basic auth in the Postmark webhook URL) or neither',
    ]);
  }
  return env;
}
