import { z } from 'zod';
import { parseClock } from '../preferences/quiet-hours.js';
import { parseDuration } from './duration.js';

// Digest, delay and cancel in rules files (issue 16, docs/rules.md). Kept apart from
// rule-schema.ts, which only names these fields.

const celText = z.string().trim().min(1, 'must be a non-empty CEL expression');
const positiveDuration = z
  .string()
  .refine((w) => (parseDuration(w) ?? 0) > 0, 'must be a duration such as 30s, 10m, 1h30m or 1d');

/**
 * `digest:` on a channel: collect the channel's jobs per (recipient, `key`) and send one
 * message rendered with `template` over them when the `window` since the first closes,
 * at the `schedule`'s next time in the recipient's zone, or once `max` are collected.
 */
export const digestSchema = z
  .strictObject({
    key: celText,
    template: z.string().trim().min(1, 'a digest needs its own template over the items'),
    window: positiveDuration.optional(),
    schedule: z
      .strictObject({
        daily: z
          .string()
          .refine((t) => parseClock(t) !== undefined, 'must be a time of day HH:MM (24 h)'),
      })
      .optional(),
    max: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
  })
  .superRefine((digest, ctx) => {
    if ((digest.window === undefined) === (digest.schedule === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'a digest needs either "window" or "schedule" (one of them)',
      });
  });

/** `delay:` on a channel: the jobs wait this long (delay lanes) before they are sent. */
export const delaySchema = positiveDuration;

/**
 * `cancel:` on a rule: an event matching `on` cancels the rule's pending jobs whose `key`
 * (evaluated on the event that planned them) equals `key` evaluated on it.
 */
export const cancelSchema = z.strictObject({
  on: z.union([celText, z.boolean().transform(String)]),
  key: celText,
});

export type DigestInput = z.infer<typeof digestSchema>;
export type CancelInput = z.infer<typeof cancelSchema>;
