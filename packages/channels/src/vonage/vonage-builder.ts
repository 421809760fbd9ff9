import { common, defined, requireFields, type BuildContext } from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createVonageProvider } from './vonage-provider.js';

/** The Vonage provider (sms channel) from HERALD_VONAGE_* and the tenants' `vonage` sections. */
export function buildVonage(context: BuildContext): ChannelProvider {
  const { reader, env } = context;
  const tenants = reader.tenantsOf('vonage');
  const shared = {
    apiKey: env.HERALD_VONAGE_API_KEY,
    apiSecret: reader.secret('HERALD_VONAGE_API_SECRET'),
    from: env.HERALD_VONAGE_FROM,
  };
  requireFields(
    context,
    'vonage',
    {
      apiKey: ['HERALD_VONAGE_API_KEY', shared.apiKey],
      apiSecret: ['HERALD_VONAGE_API_SECRET', shared.apiSecret],
      from: ['HERALD_VONAGE_FROM', shared.from],
    },
    tenants,
  );
  return createVonageProvider({
    ...defined(shared),
    ...common(context),
    ...defined({ apiUrl: env.HERALD_VONAGE_API_URL }),
    tenants,
  });
}
