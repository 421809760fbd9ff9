import { z } from 'zod';
import { channelNames, notificationStates, type StatusEvent } from '@herald/core';

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 time');
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
    occurredAt: isoTime,
  }),
});

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
