import { chatPolicy, type BuildContext } from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createMattermostProvider } from './mattermost-provider.js';

/** Mattermost has no settings of its own: the webhook URL (the address) is the credential. */
export const buildMattermost = (context: BuildContext): ChannelProvider =>
  createMattermostProvider(chatPolicy(context));
