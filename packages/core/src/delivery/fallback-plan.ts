import { z } from 'zod';
import { channelNames } from '../channels.js';

/**
 * One planned fallback: everything of the next channel's job that differs from the job
 * it replaces. The router plans it (address included), so the worker that dead-letters
 * a job needs no recipient lookup to produce its fallback.
 */
export const fallbackStepSchema = z.object({
  channel: z.enum(channelNames),
  /** The id the job would have had planned on its own: deterministic, so a re-send is one job. */
  notificationId: z.string().min(1),
  recipient: z.object({ ref: z.string().min(1), address: z.string().min(1) }),
  template: z.object({ ref: z.string().min(1) }).optional(),
  locale: z.string().optional(),
  options: z
    .object({
      secretRef: z.string().optional(),
      headers: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  orderingKey: z.string().min(1).optional(),
});

export const fallbackPlanSchema = z.object({
  /** The channels still to try, in order. */
  next: z.array(fallbackStepSchema).min(1).max(10),
  /** Also fall back when a sent job is not `delivered` within this time (channels with receipts). */
  afterMs: z.number().int().positive().optional(),
});

export type FallbackStep = z.infer<typeof fallbackStepSchema>;
export type FallbackPlan = z.infer<typeof fallbackPlanSchema>;
