import {
  common,
  defined,
  emailFrom,
  requireFields,
  type BuildContext,
} from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createSesProvider } from './ses-provider.js';

/** The SES provider from HERALD_SES_* and the tenants' `ses` sections. */
export function buildSes(context: BuildContext): ChannelProvider {
  const { reader, env } = context;
  const tenants = reader.tenantsOf('ses');
  const shared = {
    region: env.HERALD_SES_REGION,
    accessKeyId: reader.secret('HERALD_SES_ACCESS_KEY_ID'),
    secretAccessKey: reader.secret('HERALD_SES_SECRET_ACCESS_KEY'),
    sessionToken: reader.secret('HERALD_SES_SESSION_TOKEN'),
    from: emailFrom(context, env.HERALD_SES_FROM),
    configurationSetName: env.HERALD_SES_CONFIGURATION_SET,
  };
  requireFields(
    context,
    'ses',
    {
      region: ['HERALD_SES_REGION', shared.region],
      accessKeyId: ['HERALD_SES_ACCESS_KEY_ID', shared.accessKeyId],
      secretAccessKey: ['HERALD_SES_SECRET_ACCESS_KEY', shared.secretAccessKey],
      from: ['HERALD_SES_FROM or HERALD_EMAIL_FROM', shared.from],
    },
    tenants,
  );
  return createSesProvider({
    ...defined(shared),
    ...common(context),
    ...(env.HERALD_SES_ENDPOINT === undefined ? {} : { endpoint: env.HERALD_SES_ENDPOINT }),
    tenants,
  });
}
