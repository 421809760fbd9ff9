import { chatPolicy, defined, type BuildContext } from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createSlackProvider } from './slack-provider.js';

/** The Slack provider from HERALD_SLACK_* and the tenants' `slack` sections. */
export function buildSlack(context: BuildContext): ChannelProvider {
  const { reader, env } = context;
  const botToken = reader.secret('HERALD_SLACK_BOT_TOKEN');
  const tenants = reader.tenantsOf('slack');
  if (botToken === undefined && Object.keys(tenants).length === 0)
    context.warn(
      'HERALD_SLACK_BOT_TOKEN is not set: incoming-webhook addresses work, channel ids fail permanently',
    );
  return createSlackProvider({
    ...defined({ botToken, apiUrl: env.HERALD_SLACK_API_URL }),
    ...chatPolicy(context),
    tenants,
  });
}
