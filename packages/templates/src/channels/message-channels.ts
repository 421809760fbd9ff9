import { htmlToText } from '../email/html-to-text.js';
import { smsSegments } from '../limits/sms-segments.js';
import { asRecord, leaves, type ChannelSpec } from './channel-spec.js';

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * Email: subject (plain text, folded to one line: a value with a newline must never
 * start a new header), HTML escaped by default, and the plain-text alternative from
 * the `text` part or, without one, from the HTML.
 */
export const emailChannel: ChannelSpec = {
  parts: {
    subject: { kind: 'text', required: true, escape: 'none' },
    html: { kind: 'text', required: true, escape: 'html' },
    text: { kind: 'text', required: false, escape: 'none' },
    layout: { kind: 'name', required: false },
  },
  finish(parts) {
    const html = str(parts.html);
    return {
      subject: str(parts.subject).replace(/\s+/g, ' ').trim(),
      html,
      text: typeof parts.text === 'string' ? parts.text.trim() : htmlToText(html),
    };
  },
  check(content, limits) {
    limits.chars('emailSubjectChars', 'subject', 'email subject', content.subject);
  },
};

/** SMS: the text and how it will be sent (GSM-7 or UCS-2, number of segments). */
export const smsChannel: ChannelSpec = {
  parts: { text: { kind: 'text', required: true, escape: 'none' } },
  finish(parts) {
    const text = str(parts.text).trim();
    const { encoding, segments } = smsSegments(text);
    return { text, encoding, segments };
  },
  check(content, limits) {
    const text = str(content.text);
    const { encoding, units } = smsSegments(text);
    limits.count(
      'smsMaxSegments',
      'text',
      `SMS (${encoding}, ${units} ${encoding === 'GSM-7' ? 'septets' : 'UTF-16 units'})`,
      Number(content.segments),
      'segments',
    );
  },
};

/** FCM data values must be strings. */
function stringMap(value: unknown): Record<string, string> | undefined {
  const record = asRecord(value);
  if (!record) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record))
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

/** The parts of the notification-like channels (push, in-app): a title, a body and data. */
const titleBodyData: ChannelSpec['parts'] = {
  title: { kind: 'text', required: true, escape: 'none' },
  body: { kind: 'text', required: true, escape: 'none' },
  data: { kind: 'structured', required: false, escape: leaves('none') },
};

const titleAndBody = (parts: Readonly<Record<string, unknown>>): Record<string, unknown> => ({
  title: str(parts.title).trim(),
  body: str(parts.body).trim(),
});

/** Push (FCM): notification title and body, and string-valued data. */
export const pushChannel: ChannelSpec = {
  parts: titleBodyData,
  finish(parts) {
    const content = titleAndBody(parts);
    const data = stringMap(parts.data);
    if (data) content.data = data;
    return content;
  },
  check(content, limits) {
    const payload = {
      notification: { title: content.title, body: content.body },
      data: content.data,
    };
    limits.bytes('pushPayloadBytes', '(payload)', 'FCM notification and data payload', payload);
  },
};

/** An optional one-line text part: trimmed, absent when it renders empty. */
const line = (value: unknown): string | undefined => {
  const text = str(value).replace(/\s+/g, ' ').trim();
  return text === '' ? undefined : text;
};

/**
 * In-app: title, body and data, plus what an inbox shows and groups by: action URL,
 * avatar URL, category, tags (comma-separated) and the collapse key (a later message with
 * the same key replaces this one in the subscriber's inbox, e.g. `task-{{data.taskId}}`).
 * Shown by Herald's own clients, which escape for display. Stored by packages/inbox.
 */
export const inappChannel: ChannelSpec = {
  parts: {
    ...titleBodyData,
    actionUrl: { kind: 'text', required: false, escape: 'none' },
    avatar: { kind: 'text', required: false, escape: 'none' },
    category: { kind: 'text', required: false, escape: 'none' },
    tags: { kind: 'text', required: false, escape: 'none' },
    collapseKey: { kind: 'text', required: false, escape: 'none' },
  },
  finish(parts) {
    const content = titleAndBody(parts);
    for (const name of ['actionUrl', 'avatar', 'category', 'collapseKey'] as const) {
      const value = line(parts[name]);
      if (value !== undefined) content[name] = value;
    }
    const tags = str(parts.tags)
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    if (tags.length > 0) content.tags = [...new Set(tags)];
    if (parts.data !== undefined) content.data = parts.data;
    return content;
  },
  check(content, limits) {
    limits.chars('inappTitleChars', 'title', 'in-app title', content.title);
    limits.chars('inappBodyChars', 'body', 'in-app body', content.body);
    limits.chars('inappUrlChars', 'actionUrl', 'in-app action URL', content.actionUrl);
    limits.chars('inappUrlChars', 'avatar', 'in-app avatar URL', content.avatar);
    limits.chars('inappCategoryChars', 'category', 'in-app category', content.category);
    limits.chars(
      'inappCollapseKeyChars',
      'collapseKey',
      'in-app collapse key',
      content.collapseKey,
    );
    const tags = Array.isArray(content.tags) ? (content.tags as string[]) : [];
    limits.count('inappTags', 'tags', 'in-app tags', tags.length, 'items');
    tags.forEach((tag, i) => limits.chars('inappTagChars', `tags[${i}]`, 'in-app tag', tag));
    limits.bytes('inappMessageBytes', '(message)', 'in-app title, body and data', {
      t: content.title,
      b: content.body,
      d: content.data ?? null,
    });
  },
};

const PAGERDUTY_ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'];

/**
 * PagerDuty Events API v2: `payload.summary`, `payload.custom_details`, and optionally
 * the `action` (trigger, acknowledge, resolve) and `severity` (critical, error,
 * warning, info), templated so one template can follow an incident's state.
 */
export const pagerdutyChannel: ChannelSpec = {
  parts: {
    summary: { kind: 'text', required: true, escape: 'none' },
    customDetails: { kind: 'structured', required: false, escape: leaves('none') },
    action: { kind: 'text', required: false, escape: 'none' },
    severity: { kind: 'text', required: false, escape: 'none' },
  },
  finish(parts) {
    const content: Record<string, unknown> = {
      summary: str(parts.summary).replace(/\s+/g, ' ').trim(),
    };
    if (parts.customDetails !== undefined) content.customDetails = parts.customDetails;
    if (typeof parts.action === 'string') content.action = parts.action.trim().toLowerCase();
    if (typeof parts.severity === 'string') content.severity = parts.severity.trim().toLowerCase();
    return content;
  },
  check(content, limits) {
    limits.chars('pagerdutySummaryChars', 'summary', 'PagerDuty summary', content.summary);
    limits.bytes('pagerdutyPayloadBytes', '(payload)', 'PagerDuty event payload', content);
  },
  lint(content) {
    const problems = [];
    if (content.action !== undefined && !PAGERDUTY_ACTIONS.includes(String(content.action))) {
      problems.push({
        path: 'action',
        message: `action "${String(content.action)}" is not one of ${PAGERDUTY_ACTIONS.join(', ')}`,
      });
    }
    if (
      content.severity !== undefined &&
      !PAGERDUTY_SEVERITIES.includes(String(content.severity))
    ) {
      problems.push({
        path: 'severity',
        message: `severity "${String(content.severity)}" is not one of ${PAGERDUTY_SEVERITIES.join(', ')}`,
      });
    }
    return problems;
  },
};

/** Webhook: a JSON body built structurally from the template. */
export const webhookChannel: ChannelSpec = {
  parts: { body: { kind: 'structured', required: true, escape: leaves('none') } },
  finish(parts) {
    return { body: parts.body };
  },
  check() {},
};
