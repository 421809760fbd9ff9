import { z } from 'zod';
import { kafkaEnv, logEnv, parseEnv, type EnvSource } from '@herald/core';

/**
 * The CLI's settings. Every address defaults to the local stack
 * (deploy/local/stack.sh), so `herald produce` works right after `herald stack up`.
 */
const shape = {
  ...kafkaEnv(),
  KAFKA_BROKERS: kafkaEnv().KAFKA_BROKERS.default(['127.0.0.1:19092']),
  DATABASE_URL: z.string().default('postgres://herald:herald@127.0.0.1:15432/herald'),
  REDIS_URL: z.string().default('redis://127.0.0.1:16379'),
  ...logEnv(),
  HERALD_LOG_LEVEL: logEnv().HERALD_LOG_LEVEL.default('warn'),
  /** Who `herald rules apply|rollback` records in the config audit log; default user@host. */
  HERALD_ACTOR: z.string().min(1).max(200).optional(),
};

export type CliEnv = ReturnType<typeof parseCliEnv>;

export function parseCliEnv(source: EnvSource) {
  return parseEnv(shape, source);
}
