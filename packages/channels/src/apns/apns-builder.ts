import { createPrivateKey } from 'node:crypto';
import { common, defined, requireFields, type BuildContext } from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createApnsProvider } from './apns-provider.js';

/** The APNs provider (push channel) from HERALD_APNS_* and the tenants' `apns` sections. */
export function buildApns(context: BuildContext): ChannelProvider {
  const { reader, env } = context;
  const tenants = reader.tenantsOf('apns');
  const shared = {
    teamId: env.HERALD_APNS_TEAM_ID,
    keyId: env.HERALD_APNS_KEY_ID,
    signingKey: reader.secret('HERALD_APNS_SIGNING_KEY'),
    topic: env.HERALD_APNS_TOPIC,
  };
  requireFields(
    context,
    'apns',
    {
      teamId: ['HERALD_APNS_TEAM_ID', shared.teamId],
      keyId: ['HERALD_APNS_KEY_ID', shared.keyId],
      signingKey: ['HERALD_APNS_SIGNING_KEY', shared.signingKey],
      topic: ['HERALD_APNS_TOPIC', shared.topic],
    },
    tenants,
  );
  // A key that is not an EC P-256 private key is refused at start-up, not on every send.
  const keys: [string, string | undefined][] = [
    ['HERALD_APNS_SIGNING_KEY', shared.signingKey],
    ...Object.entries(tenants).map(([t, own]): [string, string | undefined] => [
      `tenant ${t} apns.signingKey`,
      own.signingKey,
    ]),
  ];
  for (const [where, pem] of keys) {
    if (pem === undefined) continue;
    try {
      const key = createPrivateKey(pem);
      if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
        context.problem(`${where}: expected the .p8 auth key (EC P-256)`);
    } catch {
      context.problem(`${where}: not a PEM private key; give the .p8 auth key's text`);
    }
  }
  const { timeoutMs, ...clock } = common(context);
  return createApnsProvider({
    ...defined(shared),
    ...defined({ apiUrl: env.HERALD_APNS_API_URL, ca: reader.secret('HERALD_APNS_CA') }),
    timeoutMs,
    ...clock,
    tenants,
  });
}
