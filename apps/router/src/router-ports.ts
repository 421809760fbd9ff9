import type { Kysely } from 'kysely';
import type { Logger } from '@herald/core';
import { MarksRedis, RedisDedupe, RedisInhibition } from '@herald/delivery';
import { RecipientCache, recipientSource } from '@herald/routing';
import type { EvalErrorReport } from '@herald/rules';
import { createEventDecoder, RegistrySchemaSource } from '@herald/schema-registry';
import {
  createDatabase,
  RecipientStore,
  RuleStore,
  SilenceStore,
  TopicStore,
  type HeraldDatabase,
} from '@herald/store';
import type { RouterEnv } from './env.js';
import { LiveRules } from './live-rules.js';
import { LiveSilences } from './live-silences.js';
import type { RouterCounters } from './router-telemetry.js';

/**
 * The router's IO, built from its settings: the database (optional), the live rule
 * set, the recipient cache over Postgres, Redis dedupe and the schema registry (each
 * optional). Nothing here connects; `buildRouter` starts and stops them in order.
 */
export function routerResources(
  env: RouterEnv,
  counters: RouterCounters,
  log: Logger,
  now: () => Date = () => new Date(),
) {
  const db: Kysely<HeraldDatabase> | undefined =
    env.DATABASE_URL === undefined
      ? undefined
      : createDatabase({
          url: env.DATABASE_URL,
          poolSize: env.HERALD_DATABASE_POOL_SIZE,
          logger: log,
        });
  const onEvalError = (report: EvalErrorReport): void => {
    counters.ruleEvaluationErrors.inc({ rule: report.ruleId, field: report.field });
    log.debug({ ...report }, 'rule expression failed: counted as no match');
  };
  const rules = new LiveRules(
    env.HERALD_RULES_SOURCE === 'postgres'
      ? { kind: 'postgres', store: new RuleStore(db!), pollMs: env.HERALD_RULES_POLL_MS }
      : { kind: 'file', file: env.HERALD_RULES_FILE! },
    { onEvalError, defaultTenant: env.HERALD_DEFAULT_TENANT },
    log,
  );
  const recipients =
    db === undefined
      ? undefined
      : new RecipientCache(recipientSource(new RecipientStore(db), new TopicStore(db)), {
          ttlMs: env.HERALD_RECIPIENT_CACHE_TTL_MS,
          maxEntries: env.HERALD_RECIPIENT_CACHE_SIZE,
        });
  const dedupe =
    env.REDIS_URL === undefined
      ? undefined
      : new RedisDedupe(
          new MarksRedis(env.REDIS_URL, { timeoutMs: env.HERALD_REDIS_TIMEOUT_MS }),
          log,
        );
  // Silences need the database, inhibition marks need Redis (docs/rules.md).
  const silences =
    db === undefined
      ? undefined
      : new LiveSilences(new SilenceStore(db), env.HERALD_SILENCES_POLL_MS, now, log);
  const inhibition =
    env.REDIS_URL === undefined
      ? undefined
      : new RedisInhibition(
          new MarksRedis(env.REDIS_URL, { timeoutMs: env.HERALD_REDIS_TIMEOUT_MS }),
          log,
        );
  const schemas =
    env.HERALD_SCHEMA_REGISTRY_URL === undefined
      ? undefined
      : new RegistrySchemaSource({
          url: env.HERALD_SCHEMA_REGISTRY_URL,
          username: env.HERALD_SCHEMA_REGISTRY_USERNAME,
          password: env.HERALD_SCHEMA_REGISTRY_PASSWORD,
          timeoutMs: env.HERALD_SCHEMA_REGISTRY_TIMEOUT_MS,
        });
  // JSON events as before; wire-format ones through the registry (throws: registry down).
  const decoder = createEventDecoder(schemas);
  return { db, rules, recipients, dedupe, silences, inhibition, schemas, decoder };
}
