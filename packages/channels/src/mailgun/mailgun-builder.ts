import {
  common,
  defined,
  emailFrom,
  requireFields,
  type BuildContext,
} from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createMailgunProvider } from './mailgun-provider.js';

/** The Mailgun provider from HERALD_MAILGUN_* and the tenants' `mailgun` sections. */
export function buildMailgun(context: BuildContext): ChannelProvider {
  const { reader, env } = context;
  const tenants = reader.tenantsOf('mailgun');
  const shared = {
    apiKey: reader.secret('HERALD_MAILGUN_API_KEY'),
    domain: env.HERALD_MAILGUN_DOMAIN,
    from: emailFrom(context, env.HERALD_MAILGUN_FROM),
  };
  requireFields(
    context,
    'mailgun',
    {
      apiKey: ['HERALD_MAILGUN_API_KEY', shared.apiKey],
      domain: ['HERALD_MAILGUN_DOMAIN', shared.domain],
      from: ['HERALD_MAILGUN_FROM or HERALD_EMAIL_FROM', shared.from],
    },
    tenants,
  );
  return createMailgunProvider({
    ...defined(shared),
    ...common(context),
    ...defined({ apiUrl: env.HERALD_MAILGUN_API_URL }),
    tenants,
  });
}
