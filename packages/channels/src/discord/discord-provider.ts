import { providerLimits } from '@herald/core';
import type { RenderedContent } from '@herald/core';
import { chatMessageParts, incomingWebhookCall } from '../http/incoming-webhook.js';
import {
  createHttpProvider,
  jsonBody,
  type HttpCall,
  type ChannelProvider,
  type HttpProviderOptions,
} from '../http/http-provider.js';
import { parseRetryAfter, secondsToMs } from '../http/retry-after.js';
import { assertLimit } from '../limits.js';
import { classifyHttp, permanent, sent, summarize, transient } from '../outcomes.js';

/** Discord needs no credentials: the webhook URL (the recipient address) carries its token. */
export type DiscordProviderConfig = HttpProviderOptions;

/**
 * Executes a Discord webhook with `content` and/or `embeds`, `?wait=true` so
 * Discord answers with the created message (its id is the provider message id).
 * A 429 carries `retry_after` in seconds (fractional) in its JSON body.
 *
 * @example
 * const discord = createDiscordProvider({});
 * await discord.send(job, { content: 'Build failed', embeds: [{ title: 'main', color: 0xe74c3c }] }, signal);
 */
export function createDiscordProvider(config: DiscordProviderConfig = {}): ChannelProvider {
  return createHttpProvider(
    {
      name: 'discord',
      channel: 'discord',
      guard: true,
      maxBodyBytes: providerLimits.discordRequestBytes,
      prepare(job, content): HttpCall {
        return incomingWebhookCall('discord', job.recipient.address, discordMessage(content), {
          query: { wait: 'true' },
        });
      },
      classify(result, now) {
        const body = jsonBody(result.body);
        const message = typeof body?.message === 'string' ? body.message : undefined;
        if (result.statusCode >= 200 && result.statusCode < 300) {
          return sent(
            summarize(
              result.statusCode,
              undefined,
              typeof body?.id === 'string' ? body.id : undefined,
            ),
          );
        }
        if (result.statusCode === 429) {
          const retryAfterMs =
            secondsToMs(body?.retry_after) ?? parseRetryAfter(result.headers['retry-after'], now);
          return transient(
            'discord',
            `rate limited${body?.global === true ? ' (global)' : ''}`,
            retryAfterMs,
            summarize(429, message),
          );
        }
        if (result.statusCode >= 400 && result.statusCode < 500 && body !== undefined) {
          // Discord's JSON error: { code, message }, e.g. 10015 Unknown Webhook, 50006 empty message.
          return permanent(
            'discord',
            `error ${String(body.code)}: ${message ?? ''}`,
            summarize(result.statusCode, message),
          );
        }
        return classifyHttp('discord', result, now);
      },
    },
    config,
  );
}

function discordMessage(content: RenderedContent | undefined): Record<string, unknown> {
  const { text, structured: embeds } = chatMessageParts(
    'discord',
    content,
    { text: 'content', structured: 'embeds' },
    providerLimits.discordContentChars,
  );
  if (embeds !== undefined) {
    assertLimit('discord', 'embeds', embeds.length, providerLimits.discordEmbeds, 'embeds');
    const chars = embeds.reduce<number>((sum, e) => sum + embedChars(e), 0);
    assertLimit(
      'discord',
      'embeds',
      chars,
      providerLimits.discordEmbedsTotalChars,
      'characters in total',
    );
  }
  return {
    ...(text === undefined ? {} : { content: text }),
    ...(embeds === undefined ? {} : { embeds }),
  };
}

// Discord counts title, description, field names and values, footer text and author name.
function embedChars(embed: unknown): number {
  const e = (embed ?? {}) as Record<string, unknown>;
  const len = (v: unknown) => (typeof v === 'string' ? v.length : 0);
  const fields = Array.isArray(e.fields) ? (e.fields as Record<string, unknown>[]) : [];
  return (
    len(e.title) +
    len(e.description) +
    len((e.footer as Record<string, unknown> | undefined)?.text) +
    len((e.author as Record<string, unknown> | undefined)?.name) +
    fields.reduce((sum, f) => sum + len(f.name) + len(f.value), 0)
  );
}
