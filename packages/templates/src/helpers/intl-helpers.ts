import { contextOf, helperArgs, type TemplateHelper } from './render-context.js';

// Building an Intl formatter costs tens of microseconds, far more than using one, and
// a fleet renders the same few (locale, time zone, options) again and again.
const MAX_FORMATTERS = 512;
const formatters = new Map<string, unknown>();

function cached<T>(key: string, build: () => T): T {
  let formatter = formatters.get(key) as T | undefined;
  if (formatter === undefined) {
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatter = build();
    formatters.set(key, formatter);
  }
  return formatter;
}

function dateTimeFormat(
  locale: string,
  options: Intl.DateTimeFormatOptions,
  key?: string,
): Intl.DateTimeFormat {
  return cached(
    `dt|${locale}|${key ?? JSON.stringify(options)}`,
    () => new Intl.DateTimeFormat(locale, options),
  );
}

function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  return cached(
    `n|${locale}|${JSON.stringify(options)}`,
    () => new Intl.NumberFormat(locale, options),
  );
}

function pluralRules(locale: string, type: Intl.PluralRuleType): Intl.PluralRules {
  return cached(`p|${locale}|${type}`, () => new Intl.PluralRules(locale, { type }));
}

function plainNumberFormat(locale: string): Intl.NumberFormat {
  return cached(`n|${locale}|plain`, () => new Intl.NumberFormat(locale));
}

function relativeTimeFormat(locale: string, numeric: 'auto' | 'always'): Intl.RelativeTimeFormat {
  return cached(`r|${locale}|${numeric}`, () => new Intl.RelativeTimeFormat(locale, { numeric }));
}

/** A Date from a Date, epoch milliseconds or an ISO 8601 string; throws otherwise. */
export function toDate(value: unknown, helper: string): Date {
  const date =
    value instanceof Date
      ? value
      : typeof value === 'number' || typeof value === 'string'
        ? new Date(value)
        : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new Error(
      `${helper}: ${JSON.stringify(value) ?? String(value)} is not a date; pass an ISO 8601 string, epoch milliseconds or a Date`,
    );
  }
  return date;
}

/** A finite number from a number or a numeric string; throws otherwise. */
export function toNumber(value: unknown, helper: string): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  if (!Number.isFinite(n)) {
    throw new Error(`${helper}: ${JSON.stringify(value) ?? String(value)} is not a number`);
  }
  return n;
}

const STYLES = new Set(['full', 'long', 'medium', 'short']);
const DATE_PARTS = [
  'weekday',
  'era',
  'year',
  'month',
  'day',
  'hour',
  'minute',
  'second',
  'timeZoneName',
] as const;
const DATE_HASH = [
  ...DATE_PARTS,
  'dateStyle',
  'timeStyle',
  'hour12',
  'hourCycle',
  'timeZone',
] as const;
const NUMBER_HASH = [
  'style',
  'unit',
  'unitDisplay',
  'notation',
  'compactDisplay',
  'signDisplay',
  'useGrouping',
  'minimumFractionDigits',
  'maximumFractionDigits',
  'minimumIntegerDigits',
  'maximumSignificantDigits',
  'currency',
  'currencyDisplay',
] as const;

function pick(
  hash: Readonly<Record<string, unknown>>,
  keys: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (hash[key] !== undefined) out[key] = hash[key];
  return out;
}

function style(value: unknown, fallback: string, helper: string): string {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && STYLES.has(value)) return value;
  throw new Error(
    `${helper}: style ${JSON.stringify(value)} is not one of full, long, medium, short`,
  );
}

function formatDateWith(
  args: unknown[],
  helper: string,
  defaults: (styleArg: unknown) => Intl.DateTimeFormatOptions,
): string {
  const { params, options } = helperArgs(args);
  const ctx = contextOf(options);
  const date = toDate(params[0], helper);
  if (Object.keys(options.hash).length === 0) {
    // The common call, `{{formatDate x "long"}}`: a cache key without serialising options.
    const base = defaults(params[1]);
    const key = `${helper}|${ctx.timezone}|${String(params[1])}`;
    try {
      return dateTimeFormat(ctx.locale, { ...base, timeZone: ctx.timezone }, key).format(date);
    } catch (err) {
      throw new Error(`${helper}: ${(err as Error).message}`, { cause: err });
    }
  }
  const hashOptions = pick(options.hash, DATE_HASH) as Intl.DateTimeFormatOptions;
  // Intl refuses dateStyle/timeStyle mixed with single fields: explicit fields win.
  const hasParts = DATE_PARTS.some((part) => options.hash[part] !== undefined);
  const base = hasParts ? {} : defaults(params[1]);
  const formatOptions: Intl.DateTimeFormatOptions = {
    ...base,
    timeZone: ctx.timezone,
    ...hashOptions,
  };
  try {
    return dateTimeFormat(ctx.locale, formatOptions).format(date);
  } catch (err) {
    throw new Error(`${helper}: ${(err as Error).message}`, { cause: err });
  }
}

/** `{{formatDate sentAt "long"}}`: a date in the recipient's locale and time zone. */
const formatDate: TemplateHelper = (...args) =>
  formatDateWith(args, 'formatDate', (s) => ({
    dateStyle: style(s, 'medium', 'formatDate') as 'medium',
  }));

/** `{{formatTime sentAt}}`: a time of day, `short` by default. */
const formatTime: TemplateHelper = (...args) =>
  formatDateWith(args, 'formatTime', (s) => ({
    timeStyle: style(s, 'short', 'formatTime') as 'short',
  }));

/** `{{formatDateTime sentAt "short"}}`: date and time, `medium` date and `short` time by default. */
const formatDateTime: TemplateHelper = (...args) =>
  formatDateWith(args, 'formatDateTime', (s) =>
    s === undefined
      ? { dateStyle: 'medium', timeStyle: 'short' }
      : {
          dateStyle: style(s, 'medium', 'formatDateTime') as 'medium',
          timeStyle: style(s, 'short', 'formatDateTime') as 'short',
        },
  );

const RELATIVE_UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600_000],
  ['month', 30 * 24 * 3600_000],
  ['week', 7 * 24 * 3600_000],
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** `{{relativeTime expiresAt}}`: "in 3 hours", "yesterday", against the `now` passed in. */
const relativeTime: TemplateHelper = (...args) => {
  const { params, options } = helperArgs(args);
  const ctx = contextOf(options);
  const diff = toDate(params[0], 'relativeTime').getTime() - ctx.now.getTime();
  const wanted = params[1] ?? options.hash.unit;
  const numeric = options.hash.numeric === 'always' ? 'always' : 'auto';
  const entry =
    RELATIVE_UNITS.find(([unit]) => unit === wanted) ??
    RELATIVE_UNITS.find(([, ms]) => Math.abs(diff) >= ms) ??
    RELATIVE_UNITS[RELATIVE_UNITS.length - 1]!;
  return relativeTimeFormat(ctx.locale, numeric).format(Math.round(diff / entry[1]), entry[0]);
};

function formatNumberWith(
  locale: string,
  value: number,
  formatOptions: Intl.NumberFormatOptions,
  helper: string,
): string {
  try {
    return numberFormat(locale, formatOptions).format(value);
  } catch (err) {
    throw new Error(`${helper}: ${(err as Error).message}`, { cause: err });
  }
}

/** `{{formatNumber ratio style="percent"}}`: a number in the recipient's locale. */
const formatNumber: TemplateHelper = (...args) => {
  const { params, options } = helperArgs(args);
  const value = toNumber(params[0], 'formatNumber');
  const { locale } = contextOf(options);
  if (Object.keys(options.hash).length === 0) return plainNumberFormat(locale).format(value);
  return formatNumberWith(locale, value, pick(options.hash, NUMBER_HASH), 'formatNumber');
};

/** `{{formatCurrency total "EUR"}}`: an amount in major units (12.5 is €12.50). */
const formatCurrency: TemplateHelper = (...args) => {
  const { params, options } = helperArgs(args);
  const value = toNumber(params[0], 'formatCurrency');
  const currency = params[1] ?? options.hash.currency;
  if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) {
    throw new Error(
      `formatCurrency: currency ${JSON.stringify(currency)} is not an ISO 4217 code such as "EUR"`,
    );
  }
  const code = currency.toUpperCase();
  const { locale } = contextOf(options);
  if (Object.keys(options.hash).length === 0) {
    return cached(
      `c|${locale}|${code}`,
      () => new Intl.NumberFormat(locale, { style: 'currency', currency: code }),
    ).format(value);
  }
  const formatOptions = { ...pick(options.hash, NUMBER_HASH), style: 'currency', currency: code };
  return formatNumberWith(
    locale,
    value,
    formatOptions as Intl.NumberFormatOptions,
    'formatCurrency',
  );
};

/**
 * `{{plural count one="# item" other="# items"}}`: the form Intl.PluralRules picks for
 * the recipient's locale (`zero`, `one`, `two`, `few`, `many`, `other`); `#` becomes the
 * count formatted for the locale. `zero` also matches an exact 0 in languages whose
 * rules have no zero form, as ICU's `=0` does. `ordinal=true` picks ordinal forms
 * (`one="#st" two="#nd" few="#rd" other="#th"`).
 */
const plural: TemplateHelper = (...args) => {
  const { params, options } = helperArgs(args);
  const count = toNumber(params[0], 'plural');
  const { locale } = contextOf(options);
  const type = options.hash.ordinal === true ? 'ordinal' : 'cardinal';
  const category = pluralRules(locale, type).select(count);
  const form =
    (count === 0 && options.hash.zero !== undefined ? options.hash.zero : undefined) ??
    options.hash[category] ??
    options.hash.other;
  if (typeof form !== 'string') {
    throw new Error(
      `plural: no form for "${category}" (count ${count}, locale ${locale}); give at least other="..."`,
    );
  }
  return form.includes('#') ? form.replace(/#/g, plainNumberFormat(locale).format(count)) : form;
};

/** The locale-aware helpers, by name. */
export const intlHelpers: Readonly<Record<string, TemplateHelper>> = {
  formatDate,
  formatTime,
  formatDateTime,
  relativeTime,
  formatNumber,
  formatCurrency,
  plural,
};
