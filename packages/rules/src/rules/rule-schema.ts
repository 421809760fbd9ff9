import { channelNames, checkAddress } from '@herald/core';
import { z } from 'zod';
import { severities } from '../severity.js';
import { parseDuration } from './duration.js';
import { checkFallbacks, fallbackSchema } from './fallback-schema.js';
import { cancelSchema, delaySchema, digestSchema } from './digest-schema.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
// Exact CloudEvents types, `prefix.*`, or `*`.
const TYPE_PATTERN = /^(\*|[^\s*]+(\.\*)?)$/;

/** Which of a channel's jobs keep their order (docs/rules.md): see `RuleChannel.ordering`. */
export const orderings = ['recipient', 'subject', 'none'] as const;

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const celText = z.string().trim().min(1, 'must be a non-empty CEL expression');

const channelSchema = z
  .strictObject({
    type: z.enum(channelNames, { error: () => `must be one of ${channelNames.join(', ')}` }),
    template: nonEmpty.optional(),
    when: celText.optional(),
    address: nonEmpty.optional(),
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    secretRef: nonEmpty.optional(),
    headers: z.record(z.string().min(1), z.string()).optional(),
    locale: nonEmpty.optional(),
    ordering: z
      .enum(orderings, { error: () => `must be one of ${orderings.join(', ')}` })
      .optional(),
    fallback: fallbackSchema.optional(),
    digest: digestSchema.optional(),
    delay: delaySchema.optional(),
  })
  .superRefine((channel, ctx) => {
    // A fixed address is refused at load time rather than suppressed on every event.
    if (channel.address !== undefined) {
      const checked = checkAddress(channel.type, channel.address);
      if (!checked.ok)
        ctx.addIssue({
          code: 'custom',
          path: ['address'],
          message: `not a valid ${channel.type} address: it ${checked.problem}`,
        });
    }
    if (channel.type !== 'webhook') {
      for (const key of ['url', 'secretRef', 'headers'] as const) {
        if (channel[key] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `"${key}" applies only to webhook channels`,
          });
        }
      }
      if (channel.template === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['template'],
          message: `"template" is required for ${channel.type} channels`,
        });
      }
    } else if (channel.url !== undefined && channel.address !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['address'],
        message: 'set either "url" or "address" on a webhook channel, not both',
      });
    }
  });

export const ruleSchema = z
  .strictObject({
    id: z
      .string()
      .regex(
        ID,
        'must be 1-128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
      ),
    name: nonEmpty.optional(),
    description: z.string().optional(),
    tenant: nonEmpty.optional(),
    types: z
      .array(z.string().regex(TYPE_PATTERN, 'must be an exact type, "prefix.*" or "*"'))
      .min(1, 'must list at least one type (or omit it)')
      .optional(),
    // `when: true` is YAML for a boolean; read it as the CEL constant it means.
    when: z.union([celText, z.boolean().transform(String)]).optional(),
    // A plain YAML list of ids is the common case; it is the CEL list literal of those strings.
    recipients: z
      .union([
        celText,
        z
          .array(nonEmpty)
          .min(1, 'must list at least one recipient')
          .transform((ids) => JSON.stringify(ids)),
      ])
      .optional(),
    channels: z.array(channelSchema).min(1, 'a rule needs at least one channel'),
    priority: z.number().finite().default(0),
    continue: z.boolean().default(false),
    severity: z
      .enum(severities, { error: () => `must be one of ${severities.join(', ')}` })
      .optional(),
    category: nonEmpty.optional(),
    dedupe: z
      .strictObject({
        key: celText,
        window: z
          .string()
          .refine(
            (w) => (parseDuration(w) ?? 0) > 0,
            'must be a duration such as 30s, 10m, 1h30m or 1d',
          ),
      })
      .optional(),
    cancel: cancelSchema.optional(),
    enabled: z.boolean().default(true),
    labels: z.record(z.string().min(1), z.string()).default({}),
    version: z.number().int().nonnegative().default(1),
  })
  .superRefine((rule, ctx) => {
    checkFallbacks(rule.channels, (path, message) =>
      ctx.addIssue({ code: 'custom', path, message }),
    );
    rule.channels.forEach((channel, i) => {
      const fanOut = channel.type !== 'webhook' || channel.url === undefined;
      if (fanOut && rule.recipients === undefined && channel.address === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['channels', i],
          message: `a ${channel.type} channel needs "recipients" on the rule or an "address" (or "url" for webhooks)`,
        });
      }
    });
  });

export type RuleInput = z.infer<typeof ruleSchema>;

/** A rules file: `rules:` holding a list, or the list itself. */
export const rulesFileSchema = z.union([
  // `inhibit`: inhibition rules (silences/inhibit-schema.ts).
  z.strictObject({ rules: z.array(z.unknown()), inhibit: z.array(z.unknown()).optional() }),
  z.array(z.unknown()),
]);
