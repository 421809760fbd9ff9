import type { ChannelName } from '@herald/core';

/**
 * A structured template: a JSON-shaped value whose string leaves are Handlebars
 * templates, each rendered on its own. The result is built as objects and arrays, so
 * a value can never break out of its string: JSON escaping is structural.
 *
 * Three directive objects shape the output from data:
 * - `{ "$each": "path", "$template": node }` repeats `node` for every item of the array
 *   at `path` (inside an array the items are spliced in); leaves see the item as `this`
 *   and the whole data as `@root`, with `@index`, `@first`, `@last`.
 * - `{ "$if": "path", "$then": node, "$else": node }` keeps `$then` when the value at
 *   `path` is truthy (`"!path"` negates); without `$else` a false condition drops the
 *   key or array item.
 * - `{ "$value": "path" }` inserts the data value itself (a number, boolean, object).
 */
export type StructuredTemplate =
  | string
  | number
  | boolean
  | null
  | readonly StructuredTemplate[]
  | { readonly [key: string]: StructuredTemplate };

/** Email: `html` is HTML-escaped; `text` is derived from the HTML when absent. */
export interface EmailParts {
  readonly subject: string;
  readonly html: string;
  readonly text?: string;
  /** Name of a layout; its `{{body}}` receives the rendered `html`. */
  readonly layout?: string;
}

export interface SmsParts {
  readonly text: string;
}

/** FCM: `data` values are sent as strings, as FCM requires. */
export interface PushParts {
  readonly title: string;
  readonly body: string;
  readonly data?: StructuredTemplate;
}

/** Slack: `text` is the fallback and notification text; `blocks` is Block Kit. */
export interface SlackParts {
  readonly text: string;
  readonly blocks?: StructuredTemplate;
}

/** Discord webhook: embeds without a `color` take the colour of `severity`. */
export interface DiscordParts {
  readonly content?: string;
  readonly embeds?: StructuredTemplate;
  /** Template for the severity; defaults to the data's top-level `severity`. */
  readonly severity?: string;
}

/** Teams: an Adaptive Card; `type`, `version` and `$schema` are filled in when absent. */
export interface TeamsParts {
  readonly card: StructuredTemplate;
  readonly summary?: string;
}

/** Telegram: MarkdownV2; interpolated values are escaped, literal text must be. */
export interface TelegramParts {
  readonly text: string;
}

/** Mattermost incoming webhook: Markdown text and Slack-style attachments. */
export interface MattermostParts {
  readonly text?: string;
  readonly attachments?: StructuredTemplate;
  /** Overrides the webhook's display name (if the server allows it). */
  readonly username?: string;
  /** Overrides the webhook's profile picture (if the server allows it). */
  readonly iconUrl?: string;
}

/** Google Chat incoming webhook: text and `cardsV2` (`[{ cardId, card }]`). */
export interface GooglechatParts {
  readonly text?: string;
  readonly cardsV2?: StructuredTemplate;
}

export interface InappParts {
  readonly title: string;
  readonly body: string;
  readonly data?: StructuredTemplate;
  /** Where a click on the message leads. */
  readonly actionUrl?: string;
  /** An image URL shown beside the message. */
  readonly avatar?: string;
  readonly category?: string;
  /** Comma-separated, e.g. `tasks, {{data.project}}`. */
  readonly tags?: string;
  /** A later message with the same rendered key replaces this one in the inbox. */
  readonly collapseKey?: string;
}

/** PagerDuty Events API v2: `summary`, `custom_details`, event action and severity. */
export interface PagerdutyParts {
  readonly summary: string;
  readonly customDetails?: StructuredTemplate;
  /** `trigger` (default in the adapter), `acknowledge` or `resolve`. */
  readonly action?: string;
  /** `critical`, `error`, `warning` or `info`. */
  readonly severity?: string;
}

export interface WebhookParts {
  readonly body: StructuredTemplate;
}

/** The parts each channel's template is made of. */
export interface ChannelParts {
  readonly email: EmailParts;
  readonly sms: SmsParts;
  readonly push: PushParts;
  readonly slack: SlackParts;
  readonly discord: DiscordParts;
  readonly teams: TeamsParts;
  readonly telegram: TelegramParts;
  readonly mattermost: MattermostParts;
  readonly googlechat: GooglechatParts;
  readonly inapp: InappParts;
  readonly pagerduty: PagerdutyParts;
  readonly webhook: WebhookParts;
}

/**
 * One stored template: one id, version, channel and locale. `locale` is a BCP 47 tag
 * (`fr-CA`, `fr`) or `default`, the end of every fallback chain.
 *
 * @example
 * const welcome: TemplateDefinition = {
 *   id: 'welcome', version: 1, channel: 'sms', locale: 'default',
 *   parts: { text: 'Hi {{name}}, welcome aboard.' },
 * };
 */
export type TemplateDefinition = {
  readonly [C in ChannelName]: {
    readonly id: string;
    readonly version: number;
    readonly channel: C;
    readonly locale: string;
    readonly parts: ChannelParts[C];
  };
}[ChannelName];

/** A partial, usable as `{{> name}}`; a locale-specific one wins over `default`. */
export interface PartialDefinition {
  readonly name: string;
  readonly locale?: string;
  readonly source: string;
}

/** An email layout: HTML whose `{{body}}` receives the template's rendered HTML. */
export interface LayoutDefinition {
  readonly name: string;
  readonly locale?: string;
  readonly source: string;
}

/** Which template to render: `"id"` (latest version) or `"id@3"`, or the object form. */
export type TemplateRef = string | { readonly id: string; readonly version?: number };

/** Parses a template reference as carried by a delivery job (`template.ref`). */
export function parseTemplateRef(ref: TemplateRef): { id: string; version: number | undefined } {
  if (typeof ref !== 'string') return { id: ref.id, version: ref.version };
  const at = ref.lastIndexOf('@');
  if (at > 0) {
    const version = Number(ref.slice(at + 1));
    if (Number.isInteger(version) && version > 0) return { id: ref.slice(0, at), version };
  }
  return { id: ref, version: undefined };
}
