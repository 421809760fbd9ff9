import { common, defined, requireFields, type BuildContext } from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createTelegramProvider } from './telegram-provider.js';

/** The Telegram provider from HERALD_TELEGRAM_* and the tenants' `telegram` sections. */
export function buildTelegram(context: BuildContext): ChannelProvider {
  const { reader, env } = context;
  const botToken = reader.secret('HERALD_TELEGRAM_BOT_TOKEN');
  const tenants = reader.tenantsOf('telegram');
  requireFields(
    context,
    'telegram',
    { botToken: ['HERALD_TELEGRAM_BOT_TOKEN', botToken] },
    tenants,
  );
  return createTelegramProvider({
    ...defined({ botToken, apiUrl: env.HERALD_TELEGRAM_API_URL }),
    ...common(context),
    tenants,
  });
}
