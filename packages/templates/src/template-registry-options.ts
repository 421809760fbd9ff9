import type { TemplateHelper } from './helpers/render-context.js';
import type { ProviderLimits } from './limits/provider-limits.js';
import type { LayoutDefinition, PartialDefinition } from './template-definition.js';

export interface TemplateRegistryOptions {
  readonly partials?: readonly PartialDefinition[];
  readonly layouts?: readonly LayoutDefinition[];
  /** Extra helpers, known at compile time like the built-in ones. Must be pure. */
  readonly helpers?: Readonly<Record<string, TemplateHelper>>;
  /** Overrides of the provider limits, e.g. `{ smsMaxSegments: 3 }`. */
  readonly limits?: Partial<ProviderLimits>;
  /**
   * The locale `default` templates are written in, used for `Intl` when the recipient
   * has no usable locale and tried after `default` in every chain. Defaults to `en`.
   */
  readonly fallbackLocale?: string;
  /** Compiled templates kept (least recently used are dropped). Defaults to 1000. */
  readonly cacheSize?: number;
}

/** Per render: the recipient's time zone (IANA, default `UTC`) and the clock. */
export interface RenderOptions {
  readonly timezone?: string;
  readonly now: Date;
}

export interface ValidateOptions {
  readonly timezone?: string;
  /** Defaults to 2025-01-01T12:00:00Z, so validating the same sample is deterministic. */
  readonly now?: Date;
  /** The locale the sample is rendered for; defaults to the template's own. */
  readonly locale?: string;
}
