import { providerLimits, type RenderedContent } from '@herald/core';
import { parseHttpUrl } from '../http/http-client.js';
import {
  createHttpProvider,
  jsonBody,
  unusable,
  type ChannelProvider,
  type HttpCall,
  type HttpProviderOptions,
} from '../http/http-provider.js';
import { assertLimit } from '../limits.js';
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
        const url = parseHttpUrl(job.recipient.address);
        if (typeof url === 'string') throw unusable('mattermost', url);
        return {
          url,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(mattermostPost(content)),
        };
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
  const text = content?.text;
  const attachments = content?.attachments;
  if ((typeof text !== 'string' || text === '') && !Array.isArray(attachments)) {
    throw unusable('mattermost', 'the rendered content has neither "text" nor "attachments"');
  }
  if (typeof text === 'string')
    assertLimit(
      'mattermost',
      'text',
      [...text].length,
      providerLimits.mattermostTextChars,
      'characters',
    );
  return {
    ...(typeof text === 'string' ? { text } : {}),
    ...(typeof content?.username === 'string' ? { username: content.username } : {}),
    ...(typeof content?.iconUrl === 'string' ? { icon_url: content.iconUrl } : {}),
    ...(Array.isArray(attachments) ? { attachments } : {}),
  };
}
