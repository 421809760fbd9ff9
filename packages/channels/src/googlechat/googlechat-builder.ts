import { chatPolicy, type BuildContext } from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createGoogleChatProvider } from './googlechat-provider.js';

/** Google Chat has no settings of its own: the webhook URL (the address) carries key and token. */
export const buildGoogleChat = (context: BuildContext): ChannelProvider =>
  createGoogleChatProvider(chatPolicy(context));
