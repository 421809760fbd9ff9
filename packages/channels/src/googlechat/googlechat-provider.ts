import { providerLimits, type RenderedContent } from '@herald/core';
import { chatMessageParts, incomingWebhookCall } from '../http/incoming-webhook.js';
import {
  createHttpProvider,
  jsonBody,
  type ChannelProvider,
  type HttpCall,
  type HttpProviderOptions,
} from '../http/http-provider.js';
import { classifyHttp, httpFailure, sent, summarize } from '../outcomes.js';

/** Google Chat needs no settings: the webhook URL's `key` and `token` parameters are the credentials. */
export type GoogleChatProviderConfig = HttpProviderOptions;

/**
 * Posts `text` and `cardsV2` to a Google Chat incoming webhook
 * (`POST https://chat.googleapis.com/v1/spaces/{space}/messages?key=…&token=…`).
 * Google answers the created Message; its `name` (`spaces/…/messages/…`) is the
 * provider message id. Errors are Google's `{ error: { code, message, status } }`:
 * 429 RESOURCE_EXHAUSTED (a space takes about one message a second) is rate
 * limited, 401/403 a revoked or wrong key/token, 400 INVALID_ARGUMENT a bad card.
 *
 * @example
 * const chat = createGoogleChatProvider({});
 * await chat.send(job, { text: 'Disk full', cardsV2: [{ cardId: 'a', card: {...} }] }, signal);
 */
export function createGoogleChatProvider(config: GoogleChatProviderConfig = {}): ChannelProvider {
  return createHttpProvider(
    {
      name: 'googlechat',
      channel: 'googlechat',
      guard: true,
      maxBodyBytes: providerLimits.googlechatMessageBytes,
      prepare(job, content): HttpCall {
        return incomingWebhookCall('googlechat', job.recipient.address, chatMessage(content), {
          contentType: 'application/json; charset=UTF-8',
        });
      },
      classify(result, now) {
        const body = jsonBody(result.body);
        if (result.statusCode >= 200 && result.statusCode < 300) {
          const name = typeof body?.name === 'string' ? body.name : undefined;
          return sent(summarize(result.statusCode, undefined, name));
        }
        const error = body?.error as Record<string, unknown> | undefined;
        if (typeof error?.message !== 'string') return classifyHttp('googlechat', result, now);
        const detail = `HTTP ${result.statusCode} ${String(error.status ?? '')}: ${error.message}`;
        return httpFailure('googlechat', result, now, detail, error.message);
      },
    },
    config,
  );
}

function chatMessage(content: RenderedContent | undefined): Record<string, unknown> {
  const { text, structured } = chatMessageParts(
    'googlechat',
    content,
    { text: 'text', structured: 'cardsV2' },
    providerLimits.googlechatTextChars,
  );
  return {
    ...(text === undefined ? {} : { text }),
    ...(structured === undefined ? {} : { cardsV2: structured }),
  };
}
