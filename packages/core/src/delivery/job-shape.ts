import { channelNames, priorities } from '../channels.js';

// The worker decodes every job, and zod's full parse of `deliveryJobSchema` cost about
// as much as the JSON parse itself (docs/benchmarks.md, "Round 3: per-record costs").
// Most jobs, as the router plans them, use only the fields below: those are checked here
// field by field, with exactly the schema's rules. A job with any other field (history,
// replay, fallback, digest, options.headers, an unknown one) goes through zod, which
// decides and names what is wrong; so does any job this check refuses.

const channels: ReadonlySet<unknown> = new Set(channelNames);
const priorityNames: ReadonlySet<unknown> = new Set(priorities);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown) => typeof v === 'string' && v.length > 0;
const optionalString = (v: unknown) => v === undefined || typeof v === 'string';
const optionalText = (v: unknown) => v === undefined || isText(v);
/** Only these keys: zod would drop any other one from its output, so such objects go to zod. */
function onlyKeys(v: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in v) if (!allowed.has(key)) return false;
  return true;
}

const jobKeys: ReadonlySet<string> = new Set([
  'notificationId',
  'event',
  'tenant',
  'rule',
  'channel',
  'recipient',
  'template',
  'locale',
  'timezone',
  'priority',
  'attempt',
  'notBefore',
  'payload',
  'options',
  'firstAttemptAt',
  'orderingKey',
  'fallbackOf',
  'unlessDelivered',
  'cancelKey',
  'plannedAt',
  'producedAt',
]);
const eventKeys: ReadonlySet<string> = new Set(['id', 'source', 'type', 'time']);
const ruleKeys: ReadonlySet<string> = new Set(['id', 'version']);
const recipientKeys: ReadonlySet<string> = new Set(['ref', 'address']);
const templateKeys: ReadonlySet<string> = new Set(['ref']);
const optionsKeys: ReadonlySet<string> = new Set(['secretRef']);

/**
 * True when `v` is a delivery job of the common shape that `deliveryJobSchema` accepts
 * as it is (same value out as in). False means "ask zod", not "invalid".
 */
// Returns a boolean, not a `v is DeliveryJob` guard: the type lives in delivery-job.ts,
// which imports this file, and an import back would make a cycle.
export function isCommonDeliveryJob(v: unknown): boolean {
  if (!isObject(v) || !onlyKeys(v, jobKeys)) return false;
  const { event, rule, recipient, template, options } = v;
  return (
    isText(v.notificationId) &&
    isObject(event) &&
    onlyKeys(event, eventKeys) &&
    isText(event.id) &&
    isText(event.source) &&
    isText(event.type) &&
    optionalString(event.time) &&
    isText(v.tenant) &&
    isObject(rule) &&
    onlyKeys(rule, ruleKeys) &&
    isText(rule.id) &&
    Number.isSafeInteger(rule.version) &&
    (rule.version as number) >= 0 &&
    channels.has(v.channel) &&
    isObject(recipient) &&
    onlyKeys(recipient, recipientKeys) &&
    isText(recipient.ref) &&
    isText(recipient.address) &&
    (template === undefined ||
      (isObject(template) && onlyKeys(template, templateKeys) && isText(template.ref))) &&
    optionalString(v.locale) &&
    optionalString(v.timezone) &&
    priorityNames.has(v.priority) &&
    Number.isSafeInteger(v.attempt) &&
    (v.attempt as number) >= 1 &&
    optionalString(v.notBefore) &&
    (options === undefined ||
      (isObject(options) && onlyKeys(options, optionsKeys) && optionalString(options.secretRef))) &&
    optionalString(v.firstAttemptAt) &&
    optionalText(v.orderingKey) &&
    optionalText(v.fallbackOf) &&
    optionalText(v.unlessDelivered) &&
    optionalString(v.cancelKey) &&
    typeof v.plannedAt === 'string' &&
    optionalString(v.producedAt)
  );
}
