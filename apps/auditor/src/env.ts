import { z } from 'zod';
import {
  databaseEnv,
  kafkaEnv,
  lifecycleEnv,
  logEnv,
  parseEnv,
  type EnvSource,
} from '@herald/core';

const shape = {
  ...kafkaEnv(),
  ...databaseEnv(),
  ...logEnv(),
  ...lifecycleEnv(),
  /** Status events per multi-row insert. */
  HERALD_AUDITOR_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(1000),
  /** Monthly partitions created ahead of the current month, at start-up and daily. */
  HERALD_PARTITIONS_AHEAD_MONTHS: z.coerce.number().int().min(1).max(24).default(2),
};

export type AuditorEnv = ReturnType<typeof parseAuditorEnv>;

/** Parses and freezes the auditor's settings; throws naming every bad one. */
export function parseAuditorEnv(source: EnvSource) {
  return parseEnv(shape, source);
}
