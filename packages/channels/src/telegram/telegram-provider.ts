import { providerLimits } from '@herald/core';
import {
  createHttpProvider,
  forTenant,
  jsonBody,
  requireText,
  unusable,
  type HttpCall,
  type ChannelProvider,
  type HttpProviderOptions,
} from '../http/http-provider.js';
import { parseRetryAfter, secondsToMs } from '../http/retry-after.js';
import { assertLimit } from '../limits.js';
import { isTransientStatus, permanent, sent, summarize, transient } from '../outcomes.js';

export interface TelegramCredentials {
  /** Bot token from @BotFather, `123456:ABC...`. */
  readonly botToken?: string;
}

export interface TelegramProviderConfig extends HttpProviderOptions, TelegramCredentials {
  /** Bot API base. Default `https://api.telegram.org`. */
  readonly apiUrl?: string;
  /** `MarkdownV2` (default, what Herald's templates render), `HTML`, or `none`. */
  readonly parseMode?: 'MarkdownV2' | 'HTML' | 'none';
  readonly tenants?: Readonly<Record<string, TelegramCredentials>>;
}

/**
 * Bot API `sendMessage` to the chat id in the recipient address. Every answer is
 * `{ ok, result | error_code, description, parameters.retry_after }`; a 429 says
 * how long to wait in `parameters.retry_after` (seconds).
 *
 * @example
 * const telegram = createTelegramProvider({ botToken: process.env.TELEGRAM_TOKEN });
 * await telegram.send(job, { text: 'Order *shipped*' }, signal);
 */
export function createTelegramProvider(config: TelegramProviderConfig): ChannelProvider {
  const apiUrl = (config.apiUrl ?? 'https://api.telegram.org').replace(/\/$/, '');
  const parseMode = config.parseMode ?? 'MarkdownV2';
  return createHttpProvider(
    {
      name: 'telegram',
      channel: 'telegram',
      guard: false,
      maxBodyBytes: providerLimits.telegramRequestBytes,
      prepare(job, content): HttpCall {
        const { botToken } = forTenant<TelegramCredentials>(config, config.tenants, job.tenant);
        if (botToken === undefined)
          throw unusable('telegram', `no botToken configured for tenant ${job.tenant}`);
        const text = requireText('telegram', content, 'text');
        assertLimit(
          'telegram',
          'text',
          text.length,
          providerLimits.telegramTextChars,
          'characters',
        );
        return {
          // The token is part of the path by design of the Bot API; it never reaches a reason.
          url: new URL(`${apiUrl}/bot${botToken}/sendMessage`),
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            chat_id: job.recipient.address,
            text,
            ...(parseMode === 'none' ? {} : { parse_mode: parseMode }),
          }),
        };
      },
      classify(result, now) {
        const body = jsonBody(result.body);
        if (body?.ok === true) {
          const id = (body.result as Record<string, unknown> | undefined)?.message_id;
          return sent(
            summarize(result.statusCode, undefined, id === undefined ? undefined : String(id)),
          );
        }
        const code = typeof body?.error_code === 'number' ? body.error_code : result.statusCode;
        const description = typeof body?.description === 'string' ? body.description : result.body;
        const response = summarize(result.statusCode, description);
        if (isTransientStatus(code)) {
          const params = body?.parameters as Record<string, unknown> | undefined;
          const retryAfterMs =
            secondsToMs(params?.retry_after) ?? parseRetryAfter(result.headers['retry-after'], now);
          return transient('telegram', `error ${code}`, retryAfterMs, response);
        }
        // 400 chat not found / can't parse entities, 403 bot blocked, 401 bad token: retrying will not help.
        return permanent('telegram', `error ${code}: ${description.slice(0, 100)}`, response);
      },
    },
    config,
  );
}
