import { chatPolicy, type BuildContext } from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createDiscordProvider } from './discord-provider.js';

/** Discord has no settings of its own: the webhook URL (the address) carries the token. */
export const buildDiscord = (context: BuildContext): ChannelProvider =>
  createDiscordProvider(chatPolicy(context));
