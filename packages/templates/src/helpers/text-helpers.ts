import { escapeMarkdownV2Code, escapeMarkdownV2Url } from '../escape/escape-mode.js';
import { helperArgs, type TemplateHelper } from './render-context.js';

/** Handlebars' notion of empty, so `{{#if (and a b)}}` agrees with `{{#if a}}`. */
function truthy(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : Boolean(value);
}

function compare(name: string, test: (a: unknown, b: unknown) => boolean): TemplateHelper {
  const helper: TemplateHelper = (...args) => {
    const { params } = helperArgs(args);
    if (params.length !== 2) throw new Error(`${name}: takes two values, got ${params.length}`);
    return test(params[0], params[1]);
  };
  return helper;
}

function ordered(a: unknown, b: unknown): [number | string, number | string] {
  const x = typeof a === 'number' || typeof a === 'string' ? a : String(a);
  const y = typeof b === 'number' || typeof b === 'string' ? b : String(b);
  return [x, y];
}

/**
 * `{{truncate title 80}}`: at most `max` characters (code points, so an emoji is never
 * cut in half), ending with `…` (or `suffix="..."`) when cut. The way to keep
 * user-supplied text under a provider limit.
 */
const truncate: TemplateHelper = (...args) => {
  const { params, options } = helperArgs(args);
  const text = params[0] === undefined || params[0] === null ? '' : String(params[0]);
  const max = Number(params[1]);
  if (!Number.isInteger(max) || max < 1)
    throw new Error(`truncate: length ${JSON.stringify(params[1])} must be a positive integer`);
  const suffix = typeof options.hash.suffix === 'string' ? options.hash.suffix : '…';
  const points = Array.from(text);
  if (points.length <= max) return text;
  const keep = Math.max(0, max - Array.from(suffix).length);
  return points.slice(0, keep).join('') + suffix;
};

export interface SafeStringFactory {
  (text: string): unknown;
}

/** Text helpers; `safe` wraps helper output that must not be escaped again. */
export function textHelpers(safe: SafeStringFactory): Readonly<Record<string, TemplateHelper>> {
  return {
    eq: compare('eq', (a, b) => a === b),
    ne: compare('ne', (a, b) => a !== b),
    lt: compare('lt', (a, b) => {
      const [x, y] = ordered(a, b);
      return x < y;
    }),
    lte: compare('lte', (a, b) => {
      const [x, y] = ordered(a, b);
      return x <= y;
    }),
    gt: compare('gt', (a, b) => {
      const [x, y] = ordered(a, b);
      return x > y;
    }),
    gte: compare('gte', (a, b) => {
      const [x, y] = ordered(a, b);
      return x >= y;
    }),
    and: (...args) => helperArgs(args).params.every(truthy),
    or: (...args) => helperArgs(args).params.some(truthy),
    not: (...args) => !truthy(helperArgs(args).params[0]),
    /** `{{default nickname name}}`: the first value that is not empty. */
    default: (...args) =>
      helperArgs(args).params.find((v) => v !== undefined && v !== null && v !== '') ?? '',
    upper: (...args) => String(helperArgs(args).params[0] ?? '').toUpperCase(),
    lower: (...args) => String(helperArgs(args).params[0] ?? '').toLowerCase(),
    /** `{{join tags ", "}}` */
    join: (...args) => {
      const { params } = helperArgs(args);
      return Array.isArray(params[0])
        ? params[0].join(typeof params[1] === 'string' ? params[1] : ', ')
        : '';
    },
    truncate,
    /** Telegram: `` `{{mdCode id}}` `` escapes for inside a code entity. */
    mdCode: (...args) => safe(escapeMarkdownV2Code(String(helperArgs(args).params[0] ?? ''))),
    /** Telegram: `[text]({{mdUrl link}})` escapes for inside a link URL. */
    mdUrl: (...args) => safe(escapeMarkdownV2Url(String(helperArgs(args).params[0] ?? ''))),
  };
}
