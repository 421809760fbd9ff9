import { common, defined, requireFields, type BuildContext } from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createTwilioProvider } from './twilio-provider.js';

/** The Twilio provider (sms channel) from HERALD_TWILIO_* and the tenants' `twilio` sections. */
export function buildTwilio(context: BuildContext): ChannelProvider {
  const { reader, env } = context;
  const tenants = reader.tenantsOf('twilio');
  const shared = {
    accountSid: env.HERALD_TWILIO_ACCOUNT_SID,
    authToken: reader.secret('HERALD_TWILIO_AUTH_TOKEN'),
    from: env.HERALD_TWILIO_FROM,
    messagingServiceSid: env.HERALD_TWILIO_MESSAGING_SERVICE_SID,
  };
  requireFields(
    context,
    'twilio',
    {
      accountSid: ['HERALD_TWILIO_ACCOUNT_SID', shared.accountSid],
      authToken: ['HERALD_TWILIO_AUTH_TOKEN', shared.authToken],
      from: [
        'HERALD_TWILIO_FROM or HERALD_TWILIO_MESSAGING_SERVICE_SID',
        shared.from ?? shared.messagingServiceSid,
      ],
    },
    Object.fromEntries(
      Object.entries(tenants).map(([t, own]) => [
        t,
        { ...own, from: own.from ?? own.messagingServiceSid },
      ]),
    ),
  );
  return createTwilioProvider({
    ...defined(shared),
    ...common(context),
    ...defined({ apiUrl: env.HERALD_TWILIO_API_URL }),
    tenants,
  });
}
