import type { DeliveryJob } from '@herald/core';
import { NO_RECIPIENT } from '../cel/cel-event.js';
import { celValueToString, toCelValue } from '../cel/cel-value.js';
import { parseClock } from '../preferences/quiet-hours.js';
import { addDays, firstInstantAt, isValidTimeZone, localClock } from '../preferences/zoned-time.js';
import type { CompiledRule } from '../rules/compiled-rule.js';
import { parseDuration } from '../rules/duration.js';
import { recipientView } from './recipient.js';
import type { Deferral, Target } from './plan-types.js';

/** What a channel's digest, delay and cancel (issue 16) add to one job. */
export type WorkflowFields =
  | {
      readonly ok: true;
      readonly digest?: NonNullable<DeliveryJob['digest']>;
      /** `now + delay`, when the channel has a delay. */
      readonly delayedUntil?: Date;
      /** The rule's `cancel.key` over the event. */
      readonly cancelKey?: string;
    }
  | { readonly ok: false; readonly field: string; readonly code: string; readonly reason: string };

/**
 * Digest, delay and cancellation key of one job of channel `index` (issue 16); `ok:
 * false` names the expression that failed (the candidate is then suppressed).
 */
export function planWorkflow(
  compiled: CompiledRule,
  index: number,
  target: Target,
  ref: string,
  context: { readonly event: unknown; readonly now: Date },
): WorkflowFields {
  const channel = compiled.rule.channels[index]!;
  if (channel.digest === undefined && channel.delay === undefined && compiled.cancel === undefined)
    return { ok: true };
  let cancelKey: string | undefined;
  if (compiled.cancel !== undefined) {
    const key = compiled.cancel.key.evaluate({ ...context, recipient: NO_RECIPIENT });
    if (!key.ok) return { ok: false, field: 'cancel.key', code: key.code, reason: key.reason };
    cancelKey = celValueToString(key.value);
  }
  const recipient =
    channel.digest === undefined
      ? NO_RECIPIENT
      : target.recipient.id === ''
        ? toCelValue(recipientView({ ...target.recipient, id: ref }))
        : (target.view ??= toCelValue(recipientView(target.recipient)));
  const fields = workflowFields(
    compiled,
    index,
    { ...context, recipient },
    target.recipient.timezone,
  );
  if (!fields.ok || cancelKey === undefined) return fields;
  return { ...fields, cancelKey };
}

/**
 * The digest of channel `index` for one recipient: its key evaluated over the event and
 * the recipient, and when the digest it may open is due (a `window` is counted by the
 * worker from the first item; a `schedule` is its next time in the recipient's zone,
 * UTC when unknown); and the channel's delay.
 */
export function workflowFields(
  compiled: CompiledRule,
  index: number,
  activation: { readonly event: unknown; readonly recipient: unknown; readonly now: Date },
  timezone: string | undefined,
): WorkflowFields {
  const channel = compiled.rule.channels[index]!;
  const delayMs = channel.delay === undefined ? undefined : parseDuration(channel.delay);
  const delayedUntil =
    delayMs === undefined ? undefined : new Date(activation.now.getTime() + delayMs);
  const spec = channel.digest;
  const program = compiled.digestKeys?.[index];
  if (spec === undefined || program === undefined)
    return { ok: true, ...(delayedUntil ? { delayedUntil } : {}) };
  const key = program.evaluate(activation);
  if (!key.ok)
    return {
      ok: false,
      field: `channels[${index}].digest.key`,
      code: key.code,
      reason: key.reason,
    };
  const digest: {
    -readonly [K in keyof NonNullable<DeliveryJob['digest']>]: NonNullable<
      DeliveryJob['digest']
    >[K];
  } = {
    key: celValueToString(key.value),
    template: spec.template,
  };
  if (spec.window !== undefined) digest.windowMs = parseDuration(spec.window)!;
  if (spec.schedule !== undefined)
    digest.dueAt = nextDailyAt(spec.schedule.daily, timezone, activation.now).toISOString();
  if (spec.max !== undefined) digest.max = spec.max;
  return { ok: true, digest, ...(delayedUntil ? { delayedUntil } : {}) };
}

/**
 * The next instant after `now` at which the wall clock in `timeZone` reads `daily`
 * (`HH:MM`); a time skipped by a spring-forward moves to the end of the gap.
 *
 * @example
 * nextDailyAt('09:00', 'Europe/Paris', new Date('2026-01-10T09:30:00Z')) // 2026-01-11T08:00:00Z
 */
export function nextDailyAt(daily: string, timeZone: string | undefined, now: Date): Date {
  const zone = timeZone !== undefined && isValidTimeZone(timeZone) ? timeZone : 'UTC';
  const minutes = parseClock(daily) ?? 0;
  const local = localClock(now.getTime(), zone);
  for (let d = 0; d <= 2; d++) {
    const day = addDays(local.year, local.month, local.day, d);
    const at = firstInstantAt(
      day.year,
      day.month,
      day.day,
      Math.floor(minutes / 60),
      minutes % 60,
      zone,
      now.getTime(),
    );
    if (at !== undefined) return new Date(at);
  }
  return new Date(now.getTime() + 86_400_000);
}

/**
 * A job's `notBefore` with its channel's delay: the later of the quiet-hours end and
 * the delay's end, with one deferral in `deferred` for whichever holds it longer.
 */
export function withDelay(
  deferred: Deferral[],
  notificationId: string,
  notBefore: string | undefined,
  delayedUntil: Date | undefined,
): string | undefined {
  if (delayedUntil === undefined) return notBefore;
  const until = delayedUntil.toISOString();
  if (notBefore !== undefined && until <= notBefore) return notBefore;
  // The delay outlasts the quiet hours: its deferral replaces theirs.
  if (notBefore !== undefined) deferred.pop();
  deferred.push({ notificationId, reason: 'delay', notBefore: until });
  return until;
}
