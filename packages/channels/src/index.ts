// Providers: one factory per provider, each returning a ChannelProvider.
export { createWebhookProvider } from './webhook/webhook-provider.js';
export type { WebhookProvider } from './webhook/webhook-provider.js';
export type {
  WebhookProviderConfig,
  WebhookSecret,
  WebhookSecrets,
} from './webhook/webhook-provider-config.js';
export { WebhookSigner } from './webhook/webhook-signer.js';
export { createSesProvider } from './ses/ses-provider.js';
export type { SesProviderConfig, SesCredentials } from './ses/ses-provider.js';
export { createSmtpProvider } from './smtp/smtp-provider.js';
export type { SmtpProviderConfig, SmtpCredentials } from './smtp/smtp-provider.js';
export { createResendProvider } from './resend/resend-provider.js';
export type { ResendProviderConfig, ResendCredentials } from './resend/resend-provider.js';
export { createSendGridProvider } from './sendgrid/sendgrid-provider.js';
export type { SendGridProviderConfig, SendGridCredentials } from './sendgrid/sendgrid-provider.js';
export { createPostmarkProvider } from './postmark/postmark-provider.js';
export type { PostmarkProviderConfig, PostmarkCredentials } from './postmark/postmark-provider.js';
export { createMailgunProvider } from './mailgun/mailgun-provider.js';
export type { MailgunProviderConfig, MailgunCredentials } from './mailgun/mailgun-provider.js';
export { createTwilioProvider } from './twilio/twilio-provider.js';
export type { TwilioProviderConfig, TwilioCredentials } from './twilio/twilio-provider.js';
export { createFcmProvider } from './fcm/fcm-provider.js';
export type { FcmProviderConfig, FcmCredentials } from './fcm/fcm-provider.js';
export { createApnsProvider } from './apns/apns-provider.js';
export type { ApnsProviderConfig, ApnsCredentials } from './apns/apns-provider.js';
export { createWebPushProvider } from './webpush/webpush-provider.js';
export type { WebPushProviderConfig, WebPushCredentials } from './webpush/webpush-provider.js';
export { createSnsProvider } from './sns/sns-provider.js';
export type { SnsProviderConfig, SnsCredentials } from './sns/sns-provider.js';
export { createVonageProvider } from './vonage/vonage-provider.js';
export type { VonageProviderConfig, VonageCredentials } from './vonage/vonage-provider.js';
export { createSlackProvider } from './slack/slack-provider.js';
export type { SlackProviderConfig, SlackCredentials } from './slack/slack-provider.js';
export { createDiscordProvider } from './discord/discord-provider.js';
export type { DiscordProviderConfig } from './discord/discord-provider.js';
export { createTeamsProvider } from './teams/teams-provider.js';
export type { TeamsProviderConfig } from './teams/teams-provider.js';
export { createTelegramProvider } from './telegram/telegram-provider.js';
export type { TelegramProviderConfig, TelegramCredentials } from './telegram/telegram-provider.js';
export { createMattermostProvider } from './mattermost/mattermost-provider.js';
export type { MattermostProviderConfig } from './mattermost/mattermost-provider.js';
export { createGoogleChatProvider } from './googlechat/googlechat-provider.js';
export type { GoogleChatProviderConfig } from './googlechat/googlechat-provider.js';
export { createPagerDutyProvider, pagerDutyActions } from './pagerduty/pagerduty-provider.js';
export type {
  PagerDutyProviderConfig,
  PagerDutyCredentials,
} from './pagerduty/pagerduty-provider.js';
// Shared pieces callers configure or reuse.
export type { ChannelProvider, HttpProviderOptions } from './http/http-provider.js';
export { addressPolicy } from './net/address-policy.js';
export type { AddressPolicyConfig, AddressDecision } from './net/address-policy.js';
export { parseRetryAfter } from './http/retry-after.js';
// Configuration from settings: the fragment apps compose, and the router a worker builds.
export { channelsEnv, emailProviders } from './config/channels-env.js';
export type { ChannelsEnv, EmailProviderName } from './config/channels-env.js';
export { createChannelRouter } from './config/channel-router.js';
export type { ChannelRouter } from './config/channel-router.js';
export type { ChannelRouterOptions } from './config/channel-router-options.js';
export type { ReadSecretFile, TenantCredentials } from './config/channel-settings.js';
export { Secret } from './config/secret.js';
