import {
  common,
  defined,
  emailFrom,
  requireFields,
  type BuildContext,
} from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createSendGridProvider } from './sendgrid-provider.js';

/** The SendGrid provider from HERALD_SENDGRID_* and the tenants' `sendgrid` sections. */
export function buildSendGrid(context: BuildContext): ChannelProvider {
  const { reader, env } = context;
  const tenants = reader.tenantsOf('sendgrid');
  const shared = {
    apiKey: reader.secret('HERALD_SENDGRID_API_KEY'),
    from: emailFrom(context, env.HERALD_SENDGRID_FROM),
  };
  requireFields(
    context,
    'sendgrid',
    {
      apiKey: ['HERALD_SENDGRID_API_KEY', shared.apiKey],
      from: ['HERALD_SENDGRID_FROM or HERALD_EMAIL_FROM', shared.from],
    },
    tenants,
  );
  return createSendGridProvider({
    ...defined(shared),
    ...common(context),
    ...defined({ apiUrl: env.HERALD_SENDGRID_API_URL }),
    tenants,
  });
}
