import { defined, type BuildContext } from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createWebhookProvider } from './webhook-provider.js';
import type { WebhookSecrets } from './webhook-provider-config.js';
import { WebhookSigner } from './webhook-signer.js';

/** The webhook provider from HERALD_WEBHOOK_* and the tenants' `webhook.secrets`. */
export function buildWebhook(context: BuildContext): ChannelProvider {
  const { reader, env } = context;
  const json = reader.json('HERALD_WEBHOOK_SECRETS', '{"default": "whsec_..."}');
  const secrets =
    json === undefined ? {} : checkWebhookSecrets(context, 'HERALD_WEBHOOK_SECRETS', json);
  const tenants: Record<string, { secrets: WebhookSecrets }> = {};
  for (const [tenant, own] of Object.entries(reader.tenantsOf('webhook'))) {
    tenants[tenant] = {
      secrets: checkWebhookSecrets(context, `tenant ${tenant} webhook.secrets`, own.secrets),
    };
  }
  if (Object.keys(secrets).length === 0 && Object.keys(tenants).length === 0)
    context.warn('no webhook secrets configured; jobs naming a secret will fail');
  return createWebhookProvider({
    secrets,
    tenants,
    timeoutMs: env.HERALD_WEBHOOK_TIMEOUT_MS,
    connectionsPerOrigin: env.HERALD_WEBHOOK_CONNECTIONS_PER_ORIGIN,
    allowPrivateNetworks: env.HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    ...defined({ now: context.options.now, lookup: context.options.lookup }),
  });
}

function checkWebhookSecrets(
  context: BuildContext,
  where: string,
  secrets: unknown,
): WebhookSecrets {
  if (
    typeof secrets !== 'object' ||
    secrets === null ||
    Array.isArray(secrets) ||
    !Object.values(secrets).every(
      (s) =>
        typeof s === 'string' ||
        (Array.isArray(s) && s.length > 0 && s.every((x) => typeof x === 'string')),
    )
  ) {
    context.problem(
      `${where}: expected {"ref": "whsec_..."} or {"ref": ["whsec_new", "whsec_old"]}`,
    );
    return {};
  }
  for (const [ref, value] of Object.entries(secrets as WebhookSecrets)) {
    try {
      // Refuses malformed secrets now instead of on the first job; never echoes them.
      new WebhookSigner(typeof value === 'string' ? [value] : value, ref);
    } catch (err) {
      context.problem(`${where}: ${(err as Error).message}`);
    }
  }
  return secrets as WebhookSecrets;
}
