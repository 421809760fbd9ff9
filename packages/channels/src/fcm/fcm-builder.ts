import { defined, requireFields, type BuildContext } from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createFcmProvider, type FcmCredentials } from './fcm-provider.js';

/** The FCM provider (push channel) from HERALD_FCM_* and the tenants' `fcm` sections. */
export function buildFcm(context: BuildContext): ChannelProvider {
  const { reader, env } = context;
  const shared = serviceAccount(
    context,
    reader.json('HERALD_FCM_SERVICE_ACCOUNT', 'the service account key JSON'),
    'HERALD_FCM_SERVICE_ACCOUNT',
  );
  const projectId = env.HERALD_FCM_PROJECT_ID ?? shared?.projectId;
  const tenants: Record<string, FcmCredentials> = {};
  for (const [tenant, own] of Object.entries(reader.tenantsOf('fcm'))) {
    const sa = serviceAccount(context, own.serviceAccount, `tenant ${tenant} fcm.serviceAccount`);
    tenants[tenant] = { ...sa, ...defined({ projectId: own.projectId ?? sa?.projectId }) };
  }
  requireFields(
    context,
    'fcm',
    {
      serviceAccount: ['HERALD_FCM_SERVICE_ACCOUNT', shared?.serviceAccount],
      projectId: ['HERALD_FCM_PROJECT_ID', projectId],
    },
    tenants as Record<string, Record<string, unknown>>,
  );
  return createFcmProvider({
    ...defined({ serviceAccount: shared?.serviceAccount, projectId }),
    timeoutMs: env.HERALD_CHANNEL_TIMEOUT_MS,
    ...defined({ httpAgent: context.options.fcmHttpAgent }),
    tenants,
  });
}

function serviceAccount(
  context: BuildContext,
  json: unknown,
  where: string,
): FcmCredentials | undefined {
  if (json === undefined) return undefined;
  const sa = json as Record<string, unknown>;
  if (
    typeof sa !== 'object' ||
    sa === null ||
    typeof sa.client_email !== 'string' ||
    typeof sa.private_key !== 'string'
  ) {
    context.problem(`${where}: expected a service account key with client_email and private_key`);
    return undefined;
  }
  return {
    ...(typeof sa.project_id === 'string' ? { projectId: sa.project_id } : {}),
    // A fresh object per app: firebase-admin writes into the one it is given.
    serviceAccount: {
      ...(typeof sa.project_id === 'string' ? { projectId: sa.project_id } : {}),
      clientEmail: sa.client_email,
      privateKey: sa.private_key,
    },
  };
}
