import { common, defined, requireFields, type BuildContext } from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createSnsProvider } from './sns-provider.js';

/** The Amazon SNS provider (sms channel) from HERALD_SNS_* and the tenants' `sns` sections. */
export function buildSns(context: BuildContext): ChannelProvider {
  const { reader, env } = context;
  const tenants = reader.tenantsOf('sns');
  const shared = {
    region: env.HERALD_SNS_REGION,
    accessKeyId: reader.secret('HERALD_SNS_ACCESS_KEY_ID'),
    secretAccessKey: reader.secret('HERALD_SNS_SECRET_ACCESS_KEY'),
    sessionToken: reader.secret('HERALD_SNS_SESSION_TOKEN'),
    smsType: env.HERALD_SNS_SMS_TYPE,
    senderId: env.HERALD_SNS_SENDER_ID,
  };
  requireFields(
    context,
    'sns',
    {
      region: ['HERALD_SNS_REGION', shared.region],
      accessKeyId: ['HERALD_SNS_ACCESS_KEY_ID', shared.accessKeyId],
      secretAccessKey: ['HERALD_SNS_SECRET_ACCESS_KEY', shared.secretAccessKey],
    },
    tenants,
  );
  return createSnsProvider({
    ...defined(shared),
    ...common(context),
    ...defined({ endpoint: env.HERALD_SNS_ENDPOINT }),
    tenants,
  });
}
