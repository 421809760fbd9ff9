export { TemplateRegistry } from './template-registry.js';
export { validateTemplate } from './validate-template.js';
export type {
  TemplateRegistryOptions,
  RenderOptions,
  ValidateOptions,
} from './template-registry-options.js';
export { formatProblem } from './compiled-template.js';
export type { TemplateProblem } from './compiled-template.js';
export { parseTemplateRef } from './template-definition.js';
export type {
  TemplateDefinition,
  TemplateRef,
  PartialDefinition,
  LayoutDefinition,
  StructuredTemplate,
  ChannelParts,
  EmailParts,
  SmsParts,
  PushParts,
  SlackParts,
  DiscordParts,
  TeamsParts,
  TelegramParts,
  MattermostParts,
  GooglechatParts,
  InappParts,
  PagerdutyParts,
  WebhookParts,
} from './template-definition.js';
export type { TemplateHelper } from './helpers/render-context.js';
export { localeChain, canonicalLocale, DEFAULT_LOCALE } from './locale/locale-chain.js';
export { defaultLimits, describeViolation } from './limits/provider-limits.js';
export type { ProviderLimits, LimitViolation } from './limits/provider-limits.js';
export { smsSegments } from './limits/sms-segments.js';
export type { SmsSegmentCount } from './limits/sms-segments.js';
export { escapeMarkdownV2, escapeSlack } from './escape/escape-mode.js';
export type { EscapeMode } from './escape/escape-mode.js';
export { checkMarkdownV2 } from './telegram/markdown-v2-check.js';
export type { MarkdownV2Check, MarkdownV2Problem } from './telegram/markdown-v2-check.js';
export { htmlToText } from './email/html-to-text.js';
export { severityColours, teamsMessage } from './channels/chat-channels.js';
export { renderForJob } from './jobs/render-for-job.js';
export type { JobRenderResult, JobRenderOptions } from './jobs/render-for-job.js';
export { buildTemplateRegistry } from './jobs/template-set.js';
export type { TemplateSet } from './jobs/template-set.js';
export { LiveTemplates } from './jobs/live-templates.js';
export type { TemplateSource, LiveTemplatesOptions } from './jobs/live-templates.js';
