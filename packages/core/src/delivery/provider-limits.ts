/**
 * Provider limits, as each provider documents them: the one place their numbers are
 * written. Templates check rendered content against them (and take stricter
 * overrides, e.g. `smsMaxSegments`); each provider in `@herald/channels` refuses a
 * message over its own before calling the API. Both layers sit above core, so
 * neither has to import the other.
 */
export const providerLimits = {
  /** Not a provider limit but a sanity one: clients cut subjects long before RFC 5322's 998. */
  emailSubjectChars: 255,
  /** SES: subject and bodies, without a quota increase. */
  sesMessageBytes: 10 * 1024 * 1024,
  /** SMTP: subject and bodies; the server's own SIZE is enforced too. */
  smtpMessageBytes: 25 * 1024 * 1024,
  /** Resend: the request, attachments included. */
  resendRequestBytes: 40 * 1024 * 1024,
  /** SendGrid v3 mail/send: the whole request, attachments included (30 MB). */
  sendgridRequestBytes: 30 * 1000 * 1000,
  /** Postmark: the whole message, attachments included (10 MB per message). */
  postmarkMessageBytes: 10 * 1000 * 1000,
  /** Mailgun: the whole message, attachments included (25 MB). */
  mailgunMessageBytes: 25 * 1000 * 1000,
  /** Twilio recommends at most 10 segments; carriers may drop longer concatenations. */
  smsMaxSegments: 10,
  /** Twilio refuses bodies over 1,600 characters (error 21617). */
  smsBodyChars: 1_600,
  /** Amazon SNS: one SMS Publish, all its segments together (1,600 bytes). */
  snsSmsBytes: 1600,
  /** Vonage SMS API: longer text is refused with status 12 (message too long). */
  vonageTextChars: 3200,
  /** FCM: notification and data payload together. */
  pushPayloadBytes: 4096,
  // In-app (issue 14): Herald's own inbox. Not a provider's numbers but Herald's, so a
  // message stays small enough for the feed, the fan-out and a browser's list.
  /** In-app title. */
  inappTitleChars: 500,
  /** In-app body. */
  inappBodyChars: 10_000,
  /** In-app action URL and avatar URL, each. */
  inappUrlChars: 2048,
  inappCategoryChars: 100,
  inappCollapseKeyChars: 256,
  inappTags: 20,
  inappTagChars: 100,
  /** In-app title, body and data together, as JSON. */
  inappMessageBytes: 32 * 1024,
  /**
   * Web Push (RFC 8030/8291): push services accept a 4096-byte encrypted record; aes128gcm
   * adds 103 bytes (86 header, 16 tag, 1 padding delimiter), leaving 3993 for the JSON.
   */
  webPushPayloadBytes: 3993,
  /** APNs: the JSON payload of a notification (413 PayloadTooLarge above it). */
  apnsPayloadBytes: 4096,
  slackTextChars: 40_000,
  slackBlocks: 50,
  slackSectionTextChars: 3000,
  slackSectionFields: 10,
  slackSectionFieldChars: 2000,
  slackHeaderTextChars: 150,
  slackRequestBytes: 1024 * 1024,
  discordContentChars: 2000,
  discordEmbeds: 10,
  discordEmbedTitleChars: 256,
  discordEmbedDescriptionChars: 4096,
  discordEmbedFields: 25,
  discordFieldNameChars: 256,
  discordFieldValueChars: 1024,
  discordFooterTextChars: 2048,
  discordAuthorNameChars: 256,
  /** Sum of every title, description, field name and value, footer and author name. */
  discordEmbedsTotalChars: 6000,
  /** A webhook request, attachments included. */
  discordRequestBytes: 8 * 1024 * 1024,
  /** Teams refuses messages over about 28 KB, card JSON included. */
  teamsPayloadBytes: 28 * 1024,
  /** Counted after MarkdownV2 parsing, as Telegram does. */
  telegramTextChars: 4096,
  telegramRequestBytes: 64 * 1024,
  /** Mattermost posts: the server's default MaxPostSize, in characters. */
  mattermostTextChars: 16_383,
  /** Mattermost's incoming-webhook request body (MaxPayloadSize is usually larger). */
  mattermostRequestBytes: 1024 * 1024,
  /** Google Chat message text. */
  googlechatTextChars: 4096,
  /** Google Chat refuses a message over 32,000 bytes, cards included. */
  googlechatMessageBytes: 32_000,
  pagerdutySummaryChars: 1024,
  pagerdutyPayloadBytes: 512 * 1024,
} as const;

export type ProviderLimits = { readonly [K in keyof typeof providerLimits]: number };
