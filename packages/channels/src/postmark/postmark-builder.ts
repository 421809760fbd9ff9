import {
  common,
  defined,
  emailFrom,
  requireFields,
  type BuildContext,
} from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createPostmarkProvider } from './postmark-provider.js';

/** The Postmark provider from HERALD_POSTMARK_* and the tenants' `postmark` sections. */
export function buildPostmark(context: BuildContext): ChannelProvider {
  const { reader, env } = context;
  const tenants = reader.tenantsOf('postmark');
  const shared = {
    serverToken: reader.secret('HERALD_POSTMARK_SERVER_TOKEN'),
    from: emailFrom(context, env.HERALD_POSTMARK_FROM),
  };
  requireFields(
    context,
    'postmark',
    {
      serverToken: ['HERALD_POSTMARK_SERVER_TOKEN', shared.serverToken],
      from: ['HERALD_POSTMARK_FROM or HERALD_EMAIL_FROM', shared.from],
    },
    tenants,
  );
  return createPostmarkProvider({
    ...defined(shared),
    messageStream: env.HERALD_POSTMARK_MESSAGE_STREAM,
    ...common(context),
    ...defined({ apiUrl: env.HERALD_POSTMARK_API_URL }),
    tenants,
  });
}
