-- Mattermost and Google Chat are delivery channels (issue 17): recipients may hold
-- their incoming-webhook URLs.
ALTER TABLE recipient_addresses
  DROP CONSTRAINT recipient_addresses_channel_check,
  ADD CONSTRAINT recipient_addresses_channel_check
    CHECK (channel IN ('email', 'sms', 'push', 'slack', 'discord', 'webhook', 'pagerduty',
                       'teams', 'telegram', 'mattermost', 'googlechat', 'inapp'));
