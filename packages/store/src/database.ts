import { Kysely, PostgresDialect, type Generated } from 'kysely';
import pg from 'pg';
import type { Logger } from '@herald/core';

export interface StatusEventsTable {
  id: string;
  event_time: Date;
  notification_id: string;
  state: string;
  reason: string | null;
  tenant: string;
  event_id: string;
  event_type: string;
  rule_id: string;
  rule_version: number;
  channel: string;
  recipient_ref: string;
  attempt: number;
  max_attempts: number | null;
  retryable: boolean | null;
  provider_status: number | null;
  provider_message_id: string | null;
  provider_message: string | null;
  occurred_at: Date;
  recorded_at: Generated<Date>;
}

/** Herald's schema as kysely sees it; migrations/ is the source of truth. */
export interface HeraldDatabase {
  status_events: StatusEventsTable;
}

export interface DatabaseConfig {
  readonly url: string;
  readonly poolSize: number;
  readonly logger: Logger;
}

/** Creates the kysely instance over a pg pool. Connections open lazily, on first query. */
export function createDatabase(config: DatabaseConfig): Kysely<HeraldDatabase> {
  const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize });
  // An idle client losing its server (Postgres restarted) must not crash the process;
  // the next query gets a fresh connection.
  pool.on('error', (err) => config.logger.warn({ err }, 'idle database connection failed'));
  // A client whose socket dies mid-query (network drop, Postgres killed) emits 'error'
  // as well as failing the query; unhandled, that event would crash the process.
  pool.on('connect', (client) => {
    client.on('error', (err) => config.logger.warn({ err }, 'database connection lost'));
  });
  return new Kysely<HeraldDatabase>({ dialect: new PostgresDialect({ pool }) });
}
