import { z } from 'zod';
import {
  databaseEnv,
  HeraldError,
  consumerEnv,
  kafkaEnv,
  lifecycleEnv,
  logEnv,
  millis,
  parseEnv,
  redisEnv,
  type EnvSource,
} from '@herald/core';
import { telemetryEnv } from '@herald/telemetry';

const FILE_HINT = 'expected the path of a rules YAML file, e.g. examples/demo/rules.yaml';

const shape = {
  ...kafkaEnv(),
  // A fetch answers as soon as one event is there; under load chunks fill by themselves.
  ...consumerEnv({ minBytes: 1, maxWaitMs: 100 }),
  ...logEnv(),
  ...lifecycleEnv(),
  /** HERALD_METRICS_PORT (/metrics, /healthz, /readyz), consumer lag, OTEL_* tracing. */
  ...telemetryEnv(),
  /**
   * Where rules come from: `file` (HERALD_RULES_FILE, read once at start) or
   * `postgres` (applied with `herald rules apply`, reloaded without a restart).
   */
  HERALD_RULES_SOURCE: z
    .enum(['file', 'postgres'], { message: 'expected file or postgres' })
    .default('file'),
  /** YAML or JSON file with the routing rules; only with HERALD_RULES_SOURCE=file. */
  HERALD_RULES_FILE: z.string({ message: FILE_HINT }).min(1).optional(),
  /** How often a postgres-sourced router checks for a new rule set version. */
  HERALD_RULES_POLL_MS: millis(5_000),
  /** How often the router reads silences from Postgres (`herald silences`; needs DATABASE_URL). */
  HERALD_SILENCES_POLL_MS: millis(5_000),
  /**
   * Recipients, preferences and (with HERALD_RULES_SOURCE=postgres) rules. Without
   * it, recipient ids resolve to nobody (`unknown_recipient`); inline addresses
   * and fixed destinations still work.
   */
  DATABASE_URL: databaseEnv().DATABASE_URL.optional(),
  HERALD_DATABASE_POOL_SIZE: databaseEnv().HERALD_DATABASE_POOL_SIZE,
  /** Event and rule dedupe. Without it nothing is deduplicated (a warning at start). */
  REDIS_URL: redisEnv().REDIS_URL.optional(),
  /** The same event id (per source) seen again within this window is not planned twice. */
  HERALD_EVENT_DEDUPE_WINDOW_MS: millis(24 * 60 * 60 * 1000),
  /** Redis commands slower than this count as Redis being down (dedupe fails open). */
  HERALD_REDIS_TIMEOUT_MS: millis(500),
  /** How long a loaded recipient (or a known-missing id) is reused. */
  HERALD_RECIPIENT_CACHE_TTL_MS: millis(30_000),
  /** Most recipients kept in memory; the least recently used go first. */
  HERALD_RECIPIENT_CACHE_SIZE: z.coerce.number().int().min(1).max(10_000_000).default(50_000),
  /** Tenant of events that carry no `tenantid` extension. */
  HERALD_DEFAULT_TENANT: z.string().min(1).default('default'),
  /**
   * Confluent-compatible schema registry (Confluent, Karapace, Apicurio's
   * /apis/ccompat/v7). With it, records in the Confluent wire format (magic byte 0 +
   * schema id) are decoded with Avro, JSON Schema or Protobuf; JSON events still work.
   */
  HERALD_SCHEMA_REGISTRY_URL: z
    .string()
    .url({ message: 'expected the registry base URL, e.g. http://registry:8081' })
    .refine((u) => /^https?:\/\//.test(u), { message: 'expected an http:// or https:// URL' })
    .optional(),
  /** Basic-auth user for the registry (with HERALD_SCHEMA_REGISTRY_PASSWORD). */
  HERALD_SCHEMA_REGISTRY_USERNAME: z.string().min(1).optional(),
  HERALD_SCHEMA_REGISTRY_PASSWORD: z.string().optional(),
  /** A registry request slower than this counts as the registry being down (the chunk is retried). */
  HERALD_SCHEMA_REGISTRY_TIMEOUT_MS: millis(5_000),
};

export type RouterEnv = ReturnType<typeof parseRouterEnv>;

/** Parses and freezes the router's settings; throws naming every bad one. */
export function parseRouterEnv(source: EnvSource) {
  const env = parseEnv(shape, source);
  const problems: string[] = [];
  if (env.HERALD_RULES_SOURCE === 'file' && env.HERALD_RULES_FILE === undefined)
    problems.push(
      `HERALD_RULES_FILE: ${FILE_HINT} (not set); or set HERALD_RULES_SOURCE=postgres to use applied rules`,
    );
  if (env.HERALD_RULES_SOURCE === 'postgres' && env.HERALD_RULES_FILE !== undefined)
    problems.push(
      `HERALD_RULES_FILE: not read with HERALD_RULES_SOURCE=postgres, received ${JSON.stringify(env.HERALD_RULES_FILE)}; remove one of the two`,
    );
  if (env.HERALD_RULES_SOURCE === 'postgres' && env.DATABASE_URL === undefined)
    problems.push(
      'DATABASE_URL: expected a postgres:// URL with HERALD_RULES_SOURCE=postgres (not set)',
    );
  if (
    env.HERALD_SCHEMA_REGISTRY_URL === undefined &&
    (env.HERALD_SCHEMA_REGISTRY_USERNAME !== undefined ||
      env.HERALD_SCHEMA_REGISTRY_PASSWORD !== undefined)
  )
    problems.push(
      'HERALD_SCHEMA_REGISTRY_URL: expected the registry URL when a registry username or password is set (not set)',
    );
  if (
    env.HERALD_SCHEMA_REGISTRY_PASSWORD !== undefined &&
    env.HERALD_SCHEMA_REGISTRY_USERNAME === undefined
  )
    problems.push(
      'HERALD_SCHEMA_REGISTRY_USERNAME: expected a user name with HERALD_SCHEMA_REGISTRY_PASSWORD (not set)',
    );
  if (problems.length > 0)
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', [problems.join('; ')]);
  return env;
}
