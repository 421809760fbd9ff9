import { providerLimits } from '@herald/core';
import type { RenderedContent } from '@herald/core';
import {
  createHttpProvider,
  forTenant,
  jsonBody,
  requireText,
  type HttpCall,
  type ChannelProvider,
  type HttpProviderOptions,
} from '../http/http-provider.js';
import { parseRetryAfter } from '../http/retry-after.js';
import { parseHttpUrl } from '../http/http-client.js';
import { unusable } from '../http/http-provider.js';
import { assertLimit } from '../limits.js';
import { classifyHttp, permanent, sent, summarize, transient } from '../outcomes.js';

export interface SlackCredentials {
  /** Bot token (`xoxb-...`) for `chat.postMessage`; not needed for incoming webhooks. */
  readonly botToken?: string;
}

/**
 * Slack: a recipient address that is a URL is an incoming webhook; anything else
 * is a channel id for `chat.postMessage` with the bot token.
 */
export interface SlackProviderConfig extends HttpProviderOptions, SlackCredentials {
  /** Web API base. Default `https://slack.com/api`. */
  readonly apiUrl?: string;
  readonly tenants?: Readonly<Record<string, SlackCredentials>>;
}

// https://api.slack.com/methods/chat.postMessage#errors: these say "try again".
const TRANSIENT_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

/**
 * Sends `content.text` (and `content.blocks`, Block Kit) to Slack. Slack answers
 * Web API errors with HTTP 200 and `ok: false`, so the body decides, not the status.
 *
 * @example
 * const slack = createSlackProvider({ botToken: 'xoxb-...' });
 * await slack.send(job, { text: 'Deploy finished', blocks: [...] }, signal);
 */
export function createSlackProvider(config: SlackProviderConfig): ChannelProvider {
  const apiUrl = (config.apiUrl ?? 'https://slack.com/api').replace(/\/$/, '');
  return createHttpProvider(
    {
      name: 'slack',
      channel: 'slack',
      // Webhook URLs come from recipients; the Web API base is public, so the guard costs nothing there.
      guard: true,
      maxBodyBytes: providerLimits.slackRequestBytes,
      prepare(job, content): HttpCall {
        const message = slackMessage(content);
        const target = job.recipient.address;
        if (/^https?:\/\//i.test(target)) {
          const url = parseHttpUrl(target);
          if (typeof url === 'string') throw unusable('slack', url);
          return {
            url,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(message),
          };
        }
        const { botToken } = forTenant<SlackCredentials>(config, config.tenants, job.tenant);
        if (botToken === undefined) {
          throw unusable(
            'slack',
            `"${target}" is a channel id but no botToken is configured for tenant ${job.tenant}`,
          );
        }
        return {
          url: new URL(`${apiUrl}/chat.postMessage`),
          headers: {
            'content-type': 'application/json; charset=utf-8',
            authorization: `Bearer ${botToken}`,
          },
          body: JSON.stringify({ channel: target, ...message }),
          api: 'web',
        };
      },
      classify(result, now, call) {
        if (call.api !== 'web' || result.statusCode !== 200)
          return classifyHttp('slack', result, now);
        const body = jsonBody(result.body);
        if (body?.ok === true) return sent(summarize(200, undefined, String(body.ts ?? '')));
        const error = typeof body?.error === 'string' ? body.error : 'unreadable response';
        const response = summarize(200, error);
        if (TRANSIENT_ERRORS.has(error)) {
          return transient(
            'slack',
            error,
            parseRetryAfter(result.headers['retry-after'], now),
            response,
            error === 'request_timeout' ? 'timeout' : undefined,
          );
        }
        return permanent('slack', error, response);
      },
    },
    config,
  );
}

function slackMessage(content: RenderedContent | undefined): Record<string, unknown> {
  const text = requireText('slack', content, 'text');
  assertLimit('slack', 'text', text.length, providerLimits.slackTextChars, 'characters');
  const blocks = content?.blocks;
  if (blocks !== undefined) {
    if (!Array.isArray(blocks))
      throw unusable('slack', '"blocks" must be an array of Block Kit blocks');
    assertLimit('slack', 'blocks', blocks.length, providerLimits.slackBlocks, 'blocks');
  }
  return blocks === undefined ? { text } : { text, blocks };
}
