import { chatPolicy, type BuildContext } from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createTeamsProvider } from './teams-provider.js';

/** Teams has no settings of its own: the webhook URL (the address) carries its signature. */
export const buildTeams = (context: BuildContext): ChannelProvider =>
  createTeamsProvider(chatPolicy(context));
