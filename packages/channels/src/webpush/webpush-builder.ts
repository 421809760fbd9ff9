import { common, defined, requireFields, type BuildContext } from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createWebPushProvider, vapidProblem } from './webpush-provider.js';

/** The Web Push provider (push channel) from HERALD_WEBPUSH_* and the tenants' `webpush` sections. */
export function buildWebPush(context: BuildContext): ChannelProvider {
  const { reader, env } = context;
  const tenants = reader.tenantsOf('webpush');
  const shared = {
    vapidPublicKey: env.HERALD_WEBPUSH_VAPID_PUBLIC_KEY,
    vapidPrivateKey: reader.secret('HERALD_WEBPUSH_VAPID_PRIVATE_KEY'),
    subject: env.HERALD_WEBPUSH_SUBJECT,
  };
  requireFields(
    context,
    'webpush',
    {
      vapidPublicKey: ['HERALD_WEBPUSH_VAPID_PUBLIC_KEY', shared.vapidPublicKey],
      vapidPrivateKey: ['HERALD_WEBPUSH_VAPID_PRIVATE_KEY', shared.vapidPrivateKey],
      subject: ['HERALD_WEBPUSH_SUBJECT', shared.subject],
    },
    tenants,
  );
  // Bad keys or subject are refused at start-up, not on every send.
  const views: [string, Record<string, string | undefined>][] = [
    ['HERALD_WEBPUSH_*', shared],
    ...Object.entries(tenants).map(
      ([tenant, own]): [string, Record<string, string | undefined>] => [
        `tenant ${tenant} webpush`,
        { ...shared, ...own },
      ],
    ),
  ];
  for (const [where, view] of views) {
    if (Object.values(view).some((v) => v === undefined)) continue;
    const problem = vapidProblem(view);
    if (problem !== undefined) context.problem(`${where}: ${problem}`);
  }
  return createWebPushProvider({
    ...defined(shared),
    ...common(context),
    ...defined({ lookup: context.options.lookup }),
    ttlSeconds: env.HERALD_WEBPUSH_TTL_SECONDS,
    allowPrivateNetworks: env.HERALD_WEBPUSH_ALLOW_PRIVATE_NETWORKS,
    tenants,
  });
}
