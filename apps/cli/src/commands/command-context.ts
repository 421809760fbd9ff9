import { hostname, userInfo } from 'node:os';
import type { RedisClient } from '@herald/delivery';
import type { KafkaClient } from '@herald/kafka';
import type { Logger } from '@herald/core';
import type { createDatabase } from '@herald/store';
import type { CliEnv } from '../env.js';

/** What every command gets: validated settings, a logger, and where to write. */
export interface CommandContext {
  readonly env: CliEnv;
  readonly logger: Logger;
  readonly out: NodeJS.WritableStream;
  /** The repository root (for deploy/local/stack.sh). */
  readonly repoRoot: string;
  /** Where progress goes (a counter on a terminal, nothing otherwise); default process.stderr. */
  readonly progress?: NodeJS.WritableStream & { isTTY?: boolean };
  /** `--quiet`: no progress even on a terminal. */
  readonly quiet?: boolean;
  /** Asks a yes/no question on the terminal; absent when stdin is not a terminal. */
  readonly confirm?: (question: string) => Promise<boolean>;
}

/*
 * Every command imports what it needs when it runs (`await import()`), never at the
 * top of its file: `herald --help` or a Postgres-only command must not load kafkajs,
 * pg, Handlebars or OpenTelemetry (docs/benchmarks.md, "CLI start-up").
 */

/** A Kafka client for the settings; the client library is loaded only by commands that call this. */
export async function kafkaClient(context: CommandContext): Promise<KafkaClient> {
  const { createKafkaClient, kafkaSecurity } = await import('@herald/kafka');
  return createKafkaClient({
    brokers: context.env.KAFKA_BROKERS,
    security: kafkaSecurity(context.env),
    clientId: 'herald-cli',
    logger: context.logger,
  });
}

/** Who runs a command, for the history of rules and templates: HERALD_ACTOR, else user@host. */
export function actorOf(context: CommandContext): string {
  if (context.env.HERALD_ACTOR !== undefined) return context.env.HERALD_ACTOR;
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return `unknown@${hostname()}`;
  }
}

/** Runs `body` with a Redis connection that fails fast (no retries, no offline queue). */
export async function withRedis<T>(
  context: CommandContext,
  body: (redis: RedisClient) => Promise<T>,
): Promise<T> {
  const { createRedisClient } = await import('@herald/delivery');
  const redis = createRedisClient(context.env.REDIS_URL, { mode: 'command' });
  try {
    await redis.connect();
    return await body(redis);
  } finally {
    redis.disconnect();
  }
}

/** Runs `body` with a small database pool, closed afterwards whatever happens. */
export async function withDatabase<T>(
  context: CommandContext,
  body: (db: ReturnType<typeof createDatabase>) => Promise<T>,
): Promise<T> {
  const { createDatabase } = await import('@herald/store');
  const db = createDatabase({ url: context.env.DATABASE_URL, poolSize: 2, logger: context.logger });
  try {
    return await body(db);
  } finally {
    await db.destroy();
  }
}
