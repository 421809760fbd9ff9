import type { ChannelName } from '@herald/core';
import { buildApns } from '../apns/apns-builder.js';
import { buildDiscord } from '../discord/discord-builder.js';
import { buildFcm } from '../fcm/fcm-builder.js';
import { buildGoogleChat } from '../googlechat/googlechat-builder.js';
import { buildMailgun } from '../mailgun/mailgun-builder.js';
import { buildMattermost } from '../mattermost/mattermost-builder.js';
import { buildPagerDuty } from '../pagerduty/pagerduty-builder.js';
import { buildPostmark } from '../postmark/postmark-builder.js';
import { buildResend } from '../resend/resend-builder.js';
import { buildSendGrid } from '../sendgrid/sendgrid-builder.js';
import { buildSes } from '../ses/ses-builder.js';
import { buildSlack } from '../slack/slack-builder.js';
import { buildSns } from '../sns/sns-builder.js';
import { buildSmtp } from '../smtp/smtp-builder.js';
import { buildTeams } from '../teams/teams-builder.js';
import { buildTelegram } from '../telegram/telegram-builder.js';
import { buildTwilio } from '../twilio/twilio-builder.js';
import { buildVonage } from '../vonage/vonage-builder.js';
import { buildWebhook } from '../webhook/webhook-builder.js';
import { buildWebPush } from '../webpush/webpush-builder.js';
import type { BuildProvider } from './build-context.js';
import type { ChannelSettingsReader } from './channel-settings.js';
import {
  emailProviders,
  type EmailProviderName,
  type PushProviderName,
  type SmsProviderName,
} from './channels-env.js';

/** How a channel gets its provider: the provider's name (for messages) and its builder. */
export interface ChannelProviderEntry {
  providerName(reader: ChannelSettingsReader): string;
  readonly build: BuildProvider;
}

const emailBuilders: Record<EmailProviderName, BuildProvider> = {
  ses: buildSes,
  smtp: buildSmtp,
  resend: buildResend,
  sendgrid: buildSendGrid,
  postmark: buildPostmark,
  mailgun: buildMailgun,
};

const smsBuilders: Record<SmsProviderName, BuildProvider> = {
  twilio: buildTwilio,
  sns: buildSns,
  vonage: buildVonage,
};

const pushBuilders: Record<PushProviderName, BuildProvider> = {
  fcm: buildFcm,
  webpush: buildWebPush,
  apns: buildApns,
};

const fixed = (name: string, build: BuildProvider): ChannelProviderEntry => ({
  providerName: () => name,
  build,
});

/** The registry of providers: one entry per channel; each builder lives in its provider's folder. */
export const providerRegistry: Record<ChannelName, ChannelProviderEntry> = {
  webhook: fixed('webhook', buildWebhook),
  email: {
    providerName: (reader) => reader.value('HERALD_EMAIL_PROVIDER') ?? 'email',
    build(context) {
      const choice = context.env.HERALD_EMAIL_PROVIDER;
      if (choice === undefined) {
        context.problem(
          `HERALD_EMAIL_PROVIDER is not set; set it to ${emailProviders.slice(0, -1).join(', ')} or ${emailProviders.at(-1)}`,
        );
        return undefined;
      }
      return emailBuilders[choice](context);
    },
  },
  sms: {
    providerName: (reader) => reader.value('HERALD_SMS_PROVIDER') ?? 'twilio',
    build: (context) => smsBuilders[context.env.HERALD_SMS_PROVIDER](context),
  },
  push: {
    providerName: (reader) => reader.value('HERALD_PUSH_PROVIDER') ?? 'fcm',
    build: (context) => pushBuilders[context.env.HERALD_PUSH_PROVIDER](context),
  },
  slack: fixed('slack', buildSlack),
  discord: fixed('discord', buildDiscord),
  teams: fixed('teams', buildTeams),
  telegram: fixed('telegram', buildTelegram),
  mattermost: fixed('mattermost', buildMattermost),
  googlechat: fixed('googlechat', buildGoogleChat),
  pagerduty: fixed('pagerduty', buildPagerDuty),
  inapp: fixed('inapp', (context) => {
    context.problem(
      'the inapp channel needs the inbox provider of @herald/inbox (the worker builds it when DATABASE_URL and REDIS_URL are set); pass it in options.providers',
    );
    return undefined;
  }),
};
