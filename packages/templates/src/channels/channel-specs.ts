import type { ChannelName } from '@herald/core';
import type { ChannelSpec } from './channel-spec.js';
import { discordChannel, slackChannel, teamsChannel, telegramChannel } from './chat-channels.js';
import {
  emailChannel,
  inappChannel,
  pagerdutyChannel,
  pushChannel,
  smsChannel,
  webhookChannel,
} from './message-channels.js';
import { googlechatChannel, mattermostChannel } from './webhook-chat-channels.js';

/** One spec per channel core knows; a new channel in core fails to compile here until described. */
export const channelSpecs: Readonly<Record<ChannelName, ChannelSpec>> = {
  email: emailChannel,
  sms: smsChannel,
  push: pushChannel,
  slack: slackChannel,
  discord: discordChannel,
  webhook: webhookChannel,
  pagerduty: pagerdutyChannel,
  teams: teamsChannel,
  telegram: telegramChannel,
  mattermost: mattermostChannel,
  googlechat: googlechatChannel,
  inapp: inappChannel,
};
