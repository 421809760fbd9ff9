import { defined, emailFrom, requireFields, type BuildContext } from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createSmtpProvider, type SmtpCredentials } from './smtp-provider.js';
import { parseSmtpUrl } from './smtp-settings.js';

/** The SMTP provider from HERALD_SMTP_* and the tenants' `smtp` sections. */
export function buildSmtp(context: BuildContext): ChannelProvider {
  const { reader, env } = context;
  const raw = reader.secret('HERALD_SMTP_URL');
  const server =
    raw === undefined ? undefined : parseSmtpUrl(raw, 'HERALD_SMTP_URL', reader.problems);
  const tenants: Record<string, SmtpCredentials> = {};
  for (const [tenant, own] of Object.entries(reader.tenantsOf('smtp'))) {
    const parsed =
      own.url === undefined
        ? {}
        : (parseSmtpUrl(own.url, `tenant ${tenant} smtp.url`, reader.problems) ?? {});
    tenants[tenant] = { ...parsed, ...(own.from === undefined ? {} : { from: own.from }) };
  }
  const from = emailFrom(context, env.HERALD_SMTP_FROM);
  requireFields(
    context,
    'smtp',
    {
      // A malformed URL is already reported; do not also call it missing.
      host: ['HERALD_SMTP_URL', raw === undefined ? undefined : (server?.host ?? raw)],
      from: ['HERALD_SMTP_FROM or HERALD_EMAIL_FROM', from],
    },
    tenants as Record<string, Record<string, unknown>>,
  );
  return createSmtpProvider({
    ...server,
    ...defined({ from }),
    requireTls: env.HERALD_SMTP_REQUIRE_TLS,
    maxConnections: env.HERALD_SMTP_MAX_CONNECTIONS,
    timeoutMs: env.HERALD_CHANNEL_TIMEOUT_MS,
    tenants,
  });
}
