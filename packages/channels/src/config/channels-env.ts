import { z } from 'zod';
import { flag, millis } from '@herald/core';
import { apnsEnv } from '../apns/apns-settings.js';
import { fcmEnv } from '../fcm/fcm-settings.js';
import { mailgunEnv } from '../mailgun/mailgun-settings.js';
import { pagerdutyEnv } from '../pagerduty/pagerduty-settings.js';
import { postmarkEnv } from '../postmark/postmark-settings.js';
import { resendEnv } from '../resend/resend-settings.js';
import { sendgridEnv } from '../sendgrid/sendgrid-settings.js';
import { sesEnv } from '../ses/ses-settings.js';
import { slackEnv } from '../slack/slack-settings.js';
import { snsEnv } from '../sns/sns-settings.js';
import { smtpEnv } from '../smtp/smtp-settings.js';
import { telegramEnv } from '../telegram/telegram-settings.js';
import { twilioEnv } from '../twilio/twilio-settings.js';
import { vonageEnv } from '../vonage/vonage-settings.js';
import { webhookEnv } from '../webhook/webhook-settings.js';
import { webPushEnv } from '../webpush/webpush-settings.js';

/** Email providers the `email` channel can use; `HERALD_EMAIL_PROVIDER` picks one. */
export const emailProviders = ['ses', 'smtp', 'resend', 'sendgrid', 'postmark', 'mailgun'] as const;
export type EmailProviderName = (typeof emailProviders)[number];

/** SMS providers the `sms` channel can use; `HERALD_SMS_PROVIDER` picks one (default twilio). */
export const smsProviders = ['twilio', 'sns', 'vonage'] as const;
export type SmsProviderName = (typeof smsProviders)[number];

/** Push providers the `push` channel can use; `HERALD_PUSH_PROVIDER` picks one (default fcm). */
export const pushProviders = ['fcm', 'webpush', 'apns'] as const;
export type PushProviderName = (typeof pushProviders)[number];

/**
 * An ordered, comma-separated provider list (`ses,smtp`): provider failover, first
 * = preferred (docs/reliability.md). Duplicates are refused.
 */
function providerList<T extends readonly [string, ...string[]]>(names: T) {
  return z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.enum(names, { message: `expected a comma-separated list of ${names.join(', ')}` }))
        .min(1, 'list at least one provider')
        .refine((list) => new Set(list).size === list.length, 'lists a provider twice'),
    )
    .optional();
}

/**
 * The settings of every delivery provider, for an app's `src/env.ts` to compose:
 * the shared ones here, each provider's own from its folder (`<provider>-settings.ts`).
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

    ...webhookEnv(),

    /** Which provider sends the email channel. Required when the worker serves email. */
    HERALD_EMAIL_PROVIDER: z
      .enum(emailProviders, { message: `expected one of ${emailProviders.join(', ')}` })
      .optional(),
    /** Ordered email providers for failover, e.g. `ses,smtp`; when set, it replaces HERALD_EMAIL_PROVIDER. */
    HERALD_EMAIL_PROVIDERS: providerList(emailProviders),
    /** Default sender for every email provider, e.g. `Acme <alerts@acme.dev>`. */
    HERALD_EMAIL_FROM: z.string().optional(),
    ...sesEnv(),
    ...smtpEnv(),
    ...resendEnv(),
    ...sendgridEnv(),
    ...postmarkEnv(),
    ...mailgunEnv(),

    /** Which provider sends the sms channel. */
    HERALD_SMS_PROVIDER: z
      .enum(smsProviders, { message: `expected one of ${smsProviders.join(', ')}` })
      .default('twilio'),
    /** Ordered sms providers for failover, e.g. `twilio,sns`; when set, it replaces HERALD_SMS_PROVIDER. */
    HERALD_SMS_PROVIDERS: providerList(smsProviders),
    ...twilioEnv(),
    ...snsEnv(),
    ...vonageEnv(),

    /** Which provider sends the push channel. */
    HERALD_PUSH_PROVIDER: z
      .enum(pushProviders, { message: `expected one of ${pushProviders.join(', ')}` })
      .default('fcm'),
    /** Ordered push providers for failover, e.g. `fcm,apns`; when set, it replaces HERALD_PUSH_PROVIDER. */
    HERALD_PUSH_PROVIDERS: providerList(pushProviders),
    ...fcmEnv(),
    ...webPushEnv(),
    ...apnsEnv(),
    ...slackEnv(),
    ...telegramEnv(),
    ...pagerdutyEnv(),

    /** Allow Slack, Discord, Teams, Mattermost and Google Chat webhook URLs on private networks (local development only). */
    HERALD_CHAT_ALLOW_PRIVATE_NETWORKS: flag(false),
  };
}

/** The parsed settings `channelsEnv()` contributes to an app's env. */
export type ChannelsEnv = Readonly<z.infer<z.ZodObject<ReturnType<typeof channelsEnv>>>>;
