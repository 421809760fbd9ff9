import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  channelNames,
  flag,
  HeraldError,
  kafkaEnv,
  lifecycleEnv,
  logEnv,
  millis,
  parseEnv,
  type EnvSource,
} from '@herald/core';

/** Channels this build can send; the others are refused at start-up, not on the first job. */
export const supportedChannels = ['webhook'] as const;

const secretsJson = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected JSON such as {"default":"whsec_..."}' });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)]), {
      message: 'expected {"ref": "whsec_..."} or {"ref": ["whsec_new", "whsec_old"]}',
    }),
  );

const shape = {
  ...kafkaEnv(),
  ...logEnv(),
  ...lifecycleEnv(),
  /** Comma-separated channels this process serves (or `--channel X` on the command line). */
  HERALD_WORKER_CHANNELS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.enum(channelNames))
        .min(1)
        .refine((list) => list.every((c) => (supportedChannels as readonly string[]).includes(c)), {
          message: `this build sends through: ${supportedChannels.join(', ')}`,
        }),
    )
    .default(['webhook']),
  /** Jobs in flight at once per process (different recipients; one recipient's jobs stay in order). */
  HERALD_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
  /** Webhook signing secrets as JSON: {"default": "whsec_..."}; a list signs with each (rotation). */
  HERALD_WEBHOOK_SECRETS: secretsJson.optional(),
  /** The same, read from a file (e.g. a mounted Kubernetes Secret). */
  HERALD_WEBHOOK_SECRETS_FILE: z.string().optional(),
  HERALD_WEBHOOK_TIMEOUT_MS: millis(10_000),
  /** Allow webhook targets on private, loopback and link-local networks (local development only). */
  HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: flag(false),
};

export type WorkerEnv = ReturnType<typeof parseWorkerEnv>;

/**
 * Parses and freezes the worker's settings. `HERALD_WEBHOOK_SECRETS_FILE` is read
 * here, once, so a missing or malformed file stops start-up with its path.
 */
export function parseWorkerEnv(source: EnvSource) {
  const env = parseEnv(shape, source);
  if (env.HERALD_WEBHOOK_SECRETS_FILE === undefined) return env;
  const file = env.HERALD_WEBHOOK_SECRETS_FILE;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', [
      `HERALD_WEBHOOK_SECRETS_FILE: cannot read ${file}: ${(err as Error).message}`,
    ]);
  }
  return parseEnv(shape, {
    ...source,
    HERALD_WEBHOOK_SECRETS_FILE: undefined,
    HERALD_WEBHOOK_SECRETS: text,
  });
}
