import { providerLimits } from '@herald/core';
import type { RenderedContent } from '@herald/core';
import { incomingWebhookCall } from '../http/incoming-webhook.js';
import {
  createHttpProvider,
  unusable,
  type HttpCall,
  type ChannelProvider,
  type HttpProviderOptions,
} from '../http/http-provider.js';
import { parseRetryAfter } from '../http/retry-after.js';
import {
  classifyHttp,
  isTransientStatus,
  permanent,
  sent,
  summarize,
  transient,
} from '../outcomes.js';

/** Teams needs no credentials: the incoming webhook or Workflows URL (recipient address) carries its signature. */
export type TeamsProviderConfig = HttpProviderOptions;

/**
 * Posts an Adaptive Card (`content.card`) to a Teams incoming webhook or a
 * Workflows (Power Automate) webhook URL. Workflows answer 202; the legacy
 * connector answers 200 `1`, and sometimes 200 with a text saying Teams
 * "returned HTTP error 429", which is read as that status.
 *
 * @example
 * const teams = createTeamsProvider({});
 * await teams.send(job, { card: { type: 'AdaptiveCard', body: [...] }, summary: 'Deploy' }, signal);
 */
export function createTeamsProvider(config: TeamsProviderConfig = {}): ChannelProvider {
  return createHttpProvider(
    {
      name: 'teams',
      channel: 'teams',
      guard: true,
      maxBodyBytes: providerLimits.teamsPayloadBytes,
      prepare(job, content): HttpCall {
        return incomingWebhookCall('teams', job.recipient.address, teamsMessage(content));
      },
      classify(result, now) {
        if (result.statusCode >= 200 && result.statusCode < 300) {
          const embedded = /returned HTTP error (\d{3})/i.exec(result.body);
          if (embedded === null) return sent(summarize(result.statusCode));
          const status = Number(embedded[1]);
          const response = summarize(result.statusCode, result.body);
          if (isTransientStatus(status)) {
            return transient(
              'teams',
              `Teams returned HTTP ${status}`,
              parseRetryAfter(result.headers['retry-after'], now),
              response,
            );
          }
          return permanent('teams', `Teams returned HTTP ${status}`, response);
        }
        return classifyHttp('teams', result, now);
      },
    },
    config,
  );
}

function teamsMessage(content: RenderedContent | undefined): Record<string, unknown> {
  const card = content?.card;
  if (typeof card !== 'object' || card === null) {
    throw unusable('teams', 'the rendered content has no "card" (an Adaptive Card object)');
  }
  return {
    type: 'message',
    ...(typeof content?.summary === 'string' ? { summary: content.summary } : {}),
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.5',
          ...card,
        },
      },
    ],
  };
}
