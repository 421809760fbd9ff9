/** Every delivery channel Herald knows; each has its own deliveries topic and worker group. */
export const channelNames = [
  'email',
  'sms',
  'push',
  'slack',
  'discord',
  'webhook',
  'pagerduty',
  'teams',
  'telegram',
  'mattermost',
  'googlechat',
  'inapp',
] as const;

export type ChannelName = (typeof channelNames)[number];

export function isChannelName(value: unknown): value is ChannelName {
  return typeof value === 'string' && (channelNames as readonly string[]).includes(value);
}

/** Delivery priority, highest first. `critical` may bypass quiet hours and rate limits. */
export const priorities = ['critical', 'high', 'normal', 'bulk'] as const;
export type Priority = (typeof priorities)[number];
