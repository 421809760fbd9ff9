import { checkMarkdownV2 } from '../telegram/markdown-v2-check.js';
import type { LimitChecker } from '../limits/provider-limits.js';
import { asArray, asRecord, leaves, type ChannelSpec, type LintProblem } from './channel-spec.js';

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * Slack: `text` (the notification and fallback text) and Block Kit `blocks`. Values are
 * escaped for mrkdwn (`&`, `<`, `>`) only where Slack parses mrkdwn: the `text` part
 * and the `text` of `{ "type": "mrkdwn" }` objects. `plain_text`, URLs, ids and values
 * are left as they are, since an `&amp;` there would be shown or sent literally.
 */
export const slackChannel: ChannelSpec = {
  parts: {
    text: { kind: 'text', required: true, escape: 'slack' },
    blocks: {
      kind: 'structured',
      required: false,
      escape: (parent, key) => (key === 'text' && parent?.type === 'mrkdwn' ? 'slack' : 'none'),
    },
  },
  finish(parts) {
    const content: Record<string, unknown> = { text: str(parts.text).trim() };
    if (parts.blocks !== undefined) content.blocks = parts.blocks;
    return content;
  },
  check(content, limits) {
    limits.chars('slackTextChars', 'text', 'Slack message text', content.text);
    const blocks = asArray(content.blocks);
    limits.count('slackBlocks', 'blocks', 'Slack block count', blocks.length);
    blocks.forEach((raw, i) => {
      const block = asRecord(raw);
      if (block?.type === 'section') {
        limits.chars(
          'slackSectionTextChars',
          `blocks[${i}].text.text`,
          'Slack section text',
          asRecord(block.text)?.text,
        );
        const fields = asArray(block.fields);
        limits.count(
          'slackSectionFields',
          `blocks[${i}].fields`,
          'Slack section field count',
          fields.length,
        );
        fields.forEach((field, f) =>
          limits.chars(
            'slackSectionFieldChars',
            `blocks[${i}].fields[${f}].text`,
            'Slack section field text',
            asRecord(field)?.text,
          ),
        );
      } else if (block?.type === 'header') {
        limits.chars(
          'slackHeaderTextChars',
          `blocks[${i}].text.text`,
          'Slack header text',
          asRecord(block.text)?.text,
        );
      }
    });
  },
  lint(content) {
    if (content.blocks === undefined || Array.isArray(content.blocks)) return [];
    return [{ path: 'blocks', message: 'Slack blocks must render to an array of blocks' }];
  },
};

/** Embed colours by severity (case-insensitive); an embed's own `color` wins. */
export const severityColours: Readonly<Record<string, number>> = {
  critical: 0x992d22,
  fatal: 0x992d22,
  error: 0xed4245,
  high: 0xed4245,
  warning: 0xfee75c,
  warn: 0xfee75c,
  info: 0x5865f2,
  normal: 0x5865f2,
  notice: 0x5865f2,
  success: 0x57f287,
  ok: 0x57f287,
  resolved: 0x57f287,
  low: 0x95a5a6,
  bulk: 0x95a5a6,
  debug: 0x95a5a6,
};

function discordEmbedLimits(embeds: readonly unknown[], limits: LimitChecker): void {
  limits.count('discordEmbeds', 'embeds', 'Discord embed count', embeds.length);
  let total = 0;
  const text = (
    limit: Parameters<LimitChecker['chars']>[0],
    path: string,
    what: string,
    value: unknown,
  ): void => {
    if (typeof value !== 'string') return;
    total += value.length;
    limits.chars(limit, path, what, value);
  };
  embeds.forEach((raw, i) => {
    const embed = asRecord(raw) ?? {};
    text('discordEmbedTitleChars', `embeds[${i}].title`, 'Discord embed title', embed.title);
    text(
      'discordEmbedDescriptionChars',
      `embeds[${i}].description`,
      'Discord embed description',
      embed.description,
    );
    text(
      'discordFooterTextChars',
      `embeds[${i}].footer.text`,
      'Discord embed footer',
      asRecord(embed.footer)?.text,
    );
    text(
      'discordAuthorNameChars',
      `embeds[${i}].author.name`,
      'Discord embed author name',
      asRecord(embed.author)?.name,
    );
    const fields = asArray(embed.fields);
    limits.count(
      'discordEmbedFields',
      `embeds[${i}].fields`,
      'Discord embed field count',
      fields.length,
    );
    fields.forEach((field, f) => {
      text(
        'discordFieldNameChars',
        `embeds[${i}].fields[${f}].name`,
        'Discord field name',
        asRecord(field)?.name,
      );
      text(
        'discordFieldValueChars',
        `embeds[${i}].fields[${f}].value`,
        'Discord field value',
        asRecord(field)?.value,
      );
    });
  });
  limits.count('discordEmbedsTotalChars', 'embeds', 'Discord embeds total text', total, 'chars');
}

/**
 * Discord webhook: `content` and `embeds`. Values are not markdown-escaped (Discord
 * has no entity syntax to break); mentions are the adapter's business
 * (`allowed_mentions`). Embeds without a `color` get the colour of the severity.
 */
export const discordChannel: ChannelSpec = {
  parts: {
    content: { kind: 'text', required: false, escape: 'none' },
    embeds: { kind: 'structured', required: false, escape: leaves('none') },
    severity: { kind: 'text', required: false, escape: 'none' },
  },
  finish(parts, data) {
    const content: Record<string, unknown> = {};
    const text = str(parts.content).trim();
    if (text !== '') content.content = text;
    const severity = (parts.severity ?? asRecord(data)?.severity ?? '') as unknown;
    const colour =
      typeof severity === 'string' ? severityColours[severity.trim().toLowerCase()] : undefined;
    if (parts.embeds !== undefined) {
      const embeds = Array.isArray(parts.embeds) ? parts.embeds : [parts.embeds];
      content.embeds = embeds.map((embed) => {
        const record = asRecord(embed);
        return record && record.color === undefined && colour !== undefined
          ? { ...record, color: colour }
          : embed;
      });
    }
    return content;
  },
  check(content, limits) {
    limits.chars('discordContentChars', 'content', 'Discord message content', content.content);
    discordEmbedLimits(asArray(content.embeds), limits);
  },
  lint(content) {
    const problems: LintProblem[] = [];
    if (content.content === undefined && asArray(content.embeds).length === 0) {
      problems.push({
        path: '(message)',
        message: 'Discord needs content or at least one embed; both rendered empty',
      });
    }
    return problems;
  },
};

const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** The incoming-webhook / Workflows message that carries an Adaptive Card. */
export function teamsMessage(content: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    type: 'message',
    ...(content.summary === undefined ? {} : { summary: content.summary }),
    attachments: [{ contentType: ADAPTIVE_CARD, contentUrl: null, content: content.card }],
  };
}

/** Microsoft Teams: an Adaptive Card (1.5 unless the template says otherwise). */
export const teamsChannel: ChannelSpec = {
  parts: {
    card: { kind: 'structured', required: true, escape: leaves('none') },
    summary: { kind: 'text', required: false, escape: 'none' },
  },
  finish(parts) {
    const card = {
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: '1.5',
      ...asRecord(parts.card),
    };
    const content: Record<string, unknown> = { card };
    if (typeof parts.summary === 'string' && parts.summary.trim() !== '')
      content.summary = parts.summary.trim();
    return content;
  },
  check(content, limits) {
    limits.bytes(
      'teamsPayloadBytes',
      '(message)',
      'Teams message with its Adaptive Card',
      teamsMessage(content),
    );
  },
  lint(content) {
    const card = asRecord(content.card);
    return Array.isArray(card?.body)
      ? []
      : [{ path: 'card.body', message: 'an Adaptive Card needs a "body" array of elements' }];
  },
};

/** Telegram Bot API `sendMessage` with `parse_mode: MarkdownV2`. */
export const telegramChannel: ChannelSpec = {
  parts: { text: { kind: 'text', required: true, escape: 'markdown-v2' } },
  finish(parts) {
    return { text: str(parts.text).trim(), parseMode: 'MarkdownV2' };
  },
  check(content, limits) {
    const text = str(content.text);
    // The visible length is never more than the raw length: skip the scan when short.
    if (text.length <= limits.limits.telegramTextChars) return;
    limits.count(
      'telegramTextChars',
      'text',
      'Telegram message text (after MarkdownV2 parsing)',
      checkMarkdownV2(text).visibleLength,
      'chars',
    );
  },
  lint(content) {
    return checkMarkdownV2(str(content.text)).problems.map((p) => ({ path: 'text', ...p }));
  },
};
