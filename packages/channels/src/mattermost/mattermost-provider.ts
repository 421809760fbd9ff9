import { providerLimits, type RenderedContent } from '@herald/core';
import { chatMessageParts, incomingWebhookCall } from '../http/incoming-webhook.js';
import {
  createHttpProvider,
  jsonBody,
  type ChannelProvider,
  type HttpCall,
  type HttpProviderOptions,
} from '../http/http-provider.js';
import { classifyHttp, httpFailure, isTransientStatus, sent, summarize } from '../outcomes.js';

/** Mattermost needs no credentials: the incoming-webhook URL (the recipient address) is the secret. */
export type MattermostProviderConfig = HttpProviderOptions;

/**
 * Posts to a Mattermost incoming webhook (`POST {server}/hooks/{id}`) with `text`,
 * `attachments` (Slack-compatible), and the optional `username` / `icon_url`
 * overrides. Mattermost answers 200 `ok` and returns no post id; its errors are
 * AppError JSON `{ id, message, status_code }` (400 invalid or disabled webhook,
 * 401/403 overrides not allowed), read into the reason.
 *
 * @example
 * const mattermost = createMattermostProvider({});
 * await mattermost.send(job, { text: '#### Deploy finished', username: 'Herald' }, signal);
 */
export function createMattermostProvider(config: MattermostProviderConfig = {}): ChannelProvider {
  return createHttpProvider(
    {
      name: 'mattermost',
      channel: 'mattermost',
      guard: true,
      maxBodyBytes: providerLimits.mattermostRequestBytes,
      prepare(job, content): HttpCall {
        return incomingWebhookCall('mattermost', job.recipient.address, mattermostPost(content));
      },
      classify(result, now) {
        if (result.statusCode >= 200 && result.statusCode < 300)
          return sent(summarize(result.statusCode));
        const body = jsonBody(result.body);
        if (!isTransientStatus(result.statusCode) && typeof body?.message === 'string') {
          const id = typeof body.id === 'string' ? ` (${body.id})` : '';
          const detail = `HTTP ${result.statusCode}: ${body.message}${id}`;
          return httpFailure('mattermost', result, now, detail, body.message);
        }
        return classifyHttp('mattermost', result, now);
      },
    },
    config,
  );
}

function mattermostPost(content: RenderedContent | undefined): Record<string, unknown> {
  const { text, structured } = chatMessageParts(
    'mattermost',
    content,
    { text: 'text', structured: 'attachments' },
    providerLimits.mattermostTextChars,
    (t) => [...t].length,
  );
  return {
    ...(text === undefined ? {} : { text }),
    ...(typeof content?.username === 'string' ? { username: content.username } : {}),
    ...(typeof content?.iconUrl === 'string' ? { icon_url: content.iconUrl } : {}),
    ...(structured === undefined ? {} : { attachments: structured }),
  };
}
