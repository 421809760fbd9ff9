import { z } from 'zod';
import { kafkaEnv, logEnv, parseEnv, type EnvSource } from '@herald/core';
// The settings fragment only: jose loads when a token command runs.
import { subscriberAuthEnv } from '@herald/subscriber-auth/env';
import { appOnlySettings } from './app-settings.js';

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
  /** `herald tokens issue` and `herald watch` sign with these (the gateway verifies with them). */
  ...subscriberAuthEnv(),
  /** The in-app gateway `herald watch` connects to. */
  HERALD_GATEWAY_URL: z
    .url({ message: 'expected an http(s) URL, e.g. http://127.0.0.1:8090' })
    .default('http://127.0.0.1:8090'),
};

/** Every setting the CLI itself reads. */
export const cliSettingNames: readonly string[] = Object.keys(shape);

/** Known to the parser (so a typo of one is answered with "did you mean"), never used. */
const appOnly = Object.fromEntries(
  [...appOnlySettings].map((name) => [name, z.string().optional()]),
);

/** The CLI's settings from `source`; the apps' own settings are accepted, other HERALD_* typos refused. */
export function parseCliEnv(source: EnvSource): Readonly<z.infer<z.ZodObject<typeof shape>>> {
  return parseEnv({ ...appOnly, ...shape }, source);
}

export type CliEnv = ReturnType<typeof parseCliEnv>;
