import { z } from 'zod';
import {
  channelNames,
  isRecordTime,
  isUuid,
  notificationStates,
  type StatusEvent,
} from '@herald/core';

// A canonical spelling must also be a real date: Postgres refuses `2026-02-31T…`, which
// `Date.parse` reads as 3 March (isRecordTime).
const isoTime = z.string().refine(isRecordTime, 'expected an ISO 8601 time of a real date');
const text = z.string().min(1);

/**
 * What the auditor needs of a status event to project it (a subset of
 * docs/schemas/status-event.schema.json: unknown fields pass, so newer publishers
 * never block an older auditor).
 */
const statusEventShape = z.object({
  id: z.uuid(),
  type: z.string().startsWith('herald.notification.'),
  data: z.object({
    notificationId: z.uuid(),
    state: z.enum(notificationStates),
    tenant: text,
    eventId: text,
    eventType: text,
    eventTime: isoTime,
    rule: z.object({ id: text, version: z.number().int().nonnegative() }),
    channel: z.enum(channelNames),
    recipientRef: text,
    attempt: z.number().int().nonnegative(),
    maxAttempts: z.number().int().positive().optional(),
    retryable: z.boolean().optional(),
    reason: z.string().optional(),
    provider: z
      .object({
        name: z.string().optional(),
        statusCode: z.number().int().optional(),
        messageId: z.string().optional(),
        message: z.string().optional(),
      })
      .optional(),
    // The projection writes it as the attempt's start: a time Postgres would refuse
    // must be refused here, not retried for ever.
    attemptStartedAt: isoTime.optional(),
    occurredAt: isoTime,
  }),
});

const states: ReadonlySet<unknown> = new Set(notificationStates);
const channels: ReadonlySet<unknown> = new Set(channelNames);
const isText = (v: unknown) => typeof v === 'string' && v.length > 0;
const isTime = (v: unknown) => typeof v === 'string' && isRecordTime(v);
const isInt = (v: unknown, min: number) => Number.isSafeInteger(v) && (v as number) >= min;
const optional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The same checks as `statusEventShape`, written out: zod costs several µs per record
 * and the auditor decodes every status event (see the bench). It may only be
 * stricter than the schema, never looser: a record it refuses goes through zod,
 * which then decides and gives the reason.
 */
function isStatusEvent(v: unknown): v is StatusEvent {
  if (!isObject(v) || typeof v.id !== 'string' || !isUuid(v.id)) return false;
  if (typeof v.type !== 'string' || !isObject(v.data)) return false;
  const d = v.data;
  const rule = d.rule;
  const provider = d.provider;
  return (
    typeof d.notificationId === 'string' &&
    isUuid(d.notificationId) &&
    states.has(d.state) &&
    v.type === `herald.notification.${d.state as string}` &&
    isText(d.tenant) &&
    isText(d.eventId) &&
    isText(d.eventType) &&
    isTime(d.eventTime) &&
    isObject(rule) &&
    isText(rule.id) &&
    isInt(rule.version, 0) &&
    channels.has(d.channel) &&
    isText(d.recipientRef) &&
    isInt(d.attempt, 0) &&
    optional(d.maxAttempts, (m) => isInt(m, 1)) &&
    optional(d.retryable, (r) => typeof r === 'boolean') &&
    optional(d.reason, (r) => typeof r === 'string') &&
    optional(
      provider,
      (p) =>
        isObject(p) &&
        optional(p.name, (x) => typeof x === 'string') &&
        optional(p.statusCode, (x) => Number.isSafeInteger(x)) &&
        optional(p.messageId, (x) => typeof x === 'string') &&
        optional(p.message, (x) => typeof x === 'string'),
    ) &&
    optional(d.attemptStartedAt, isTime) &&
    isTime(d.occurredAt)
  );
}

export type StatusDecodeResult =
  | { readonly ok: true; readonly event: StatusEvent }
  | { readonly ok: false; readonly reason: string };

/** Parses a herald.status record value; a bad one gets a reason for the dead letter. */
export function decodeStatusEvent(value: Buffer | null): StatusDecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value?.toString() ?? 'null');
  } catch (err) {
    return { ok: false, reason: `not a Herald status event: not JSON (${(err as Error).message})` };
  }
  if (isStatusEvent(parsed)) return { ok: true, event: parsed };
  const result = statusEventShape.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    return {
      ok: false,
      reason: `not a Herald status event (herald.notification.* with data.notificationId and data.eventTime): ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    };
  }
  if (
    parsed !== null &&
    (parsed as StatusEvent).type !== `herald.notification.${result.data.data.state}`
  ) {
    return {
      ok: false,
      reason: `not a Herald status event: type ${result.data.type} does not match data.state ${result.data.data.state}`,
    };
  }
  return { ok: true, event: parsed as StatusEvent };
}
