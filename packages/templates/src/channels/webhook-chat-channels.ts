import { asArray, leaves, type ChannelSpec, type LintProblem } from './channel-spec.js';

const trimmed = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');

/**
 * Mattermost incoming webhook: Markdown `text` and Slack-compatible `attachments`,
 * with an optional `username` and `iconUrl` overriding the webhook's own (when the
 * server allows overrides). Values are not escaped, as for Discord: Mattermost's
 * Markdown has no entity syntax a value could break out of.
 */
export const mattermostChannel: ChannelSpec = {
  parts: {
    text: { kind: 'text', required: false, escape: 'none' },
    attachments: { kind: 'structured', required: false, escape: leaves('none') },
    username: { kind: 'text', required: false, escape: 'none' },
    iconUrl: { kind: 'text', required: false, escape: 'none' },
  },
  finish(parts) {
    const content: Record<string, unknown> = {};
    for (const key of ['text', 'username', 'iconUrl'] as const) {
      const value = trimmed(parts[key]);
      if (value !== '') content[key] = value;
    }
    if (parts.attachments !== undefined) {
      content.attachments = Array.isArray(parts.attachments)
        ? parts.attachments
        : [parts.attachments];
    }
    return content;
  },
  check(content, limits) {
    limits.chars('mattermostTextChars', 'text', 'Mattermost message text', content.text);
    limits.bytes('mattermostRequestBytes', '(message)', 'Mattermost webhook request', content);
  },
  lint(content) {
    return content.text === undefined && asArray(content.attachments).length === 0
      ? [
          {
            path: '(message)',
            message: 'Mattermost needs text or attachments; both rendered empty',
          },
        ]
      : [];
  },
};

/**
 * Google Chat incoming webhook: `text` (Google Chat's own markup) and `cardsV2`, each
 * card `{ cardId, card }`. Values are not escaped; Google Chat renders text as given.
 */
export const googlechatChannel: ChannelSpec = {
  parts: {
    text: { kind: 'text', required: false, escape: 'none' },
    cardsV2: { kind: 'structured', required: false, escape: leaves('none') },
  },
  finish(parts) {
    const content: Record<string, unknown> = {};
    const text = trimmed(parts.text);
    if (text !== '') content.text = text;
    if (parts.cardsV2 !== undefined) {
      content.cardsV2 = Array.isArray(parts.cardsV2) ? parts.cardsV2 : [parts.cardsV2];
    }
    return content;
  },
  check(content, limits) {
    limits.chars('googlechatTextChars', 'text', 'Google Chat message text', content.text);
    limits.bytes('googlechatMessageBytes', '(message)', 'Google Chat message', content);
  },
  lint(content) {
    const problems: LintProblem[] = [];
    const cards = asArray(content.cardsV2);
    if (content.text === undefined && cards.length === 0) {
      problems.push({
        path: '(message)',
        message: 'Google Chat needs text or cardsV2; both rendered empty',
      });
    }
    cards.forEach((card, i) => {
      const record = card as Record<string, unknown> | null;
      if (typeof record !== 'object' || record === null || typeof record.card !== 'object') {
        problems.push({ path: `cardsV2[${i}]`, message: 'a cardsV2 entry needs a "card" object' });
      }
    });
    return problems;
  },
};
