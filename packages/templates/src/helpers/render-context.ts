/**
 * What every helper knows about the render besides its arguments, carried in the
 * Handlebars data frame (so templates can read `{{@locale}}`, `{{@timezone}}`).
 * Passing the clock in keeps rendering pure: the same inputs give the same output.
 */
export interface RenderContext {
  /** The recipient's locale for `Intl`, e.g. `fr-CA` (not the template's locale). */
  readonly locale: string;
  /** IANA time zone, e.g. `Europe/Paris`. */
  readonly timezone: string;
  readonly now: Date;
}

/** Handlebars passes this as the last argument of every helper. */
export interface HelperCallOptions {
  readonly hash: Readonly<Record<string, unknown>>;
  readonly data?: Partial<RenderContext> & Readonly<Record<string, unknown>>;
  readonly fn?: (context: unknown) => string;
  readonly inverse?: (context: unknown) => string;
}

/** A helper: positional arguments, then the Handlebars options object. */
export type TemplateHelper = (...args: unknown[]) => unknown;

/** Splits a helper call into its positional arguments and its options. */
export function helperArgs(args: readonly unknown[]): {
  params: unknown[];
  options: HelperCallOptions;
} {
  const options = args[args.length - 1] as HelperCallOptions;
  return { params: args.slice(0, -1), options };
}

const FALLBACK_CONTEXT: RenderContext = { locale: 'en', timezone: 'UTC', now: new Date(0) };

/** The render context from the data frame; the frame itself when complete (no copy per call). */
export function contextOf(options: HelperCallOptions): RenderContext {
  const data = options.data;
  if (
    data &&
    typeof data.locale === 'string' &&
    typeof data.timezone === 'string' &&
    data.now instanceof Date
  ) {
    return data as RenderContext;
  }
  return {
    locale: typeof data?.locale === 'string' ? data.locale : FALLBACK_CONTEXT.locale,
    timezone: typeof data?.timezone === 'string' ? data.timezone : FALLBACK_CONTEXT.timezone,
    now: data?.now instanceof Date ? data.now : FALLBACK_CONTEXT.now,
  };
}
