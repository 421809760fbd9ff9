import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { buildApi, parseApiEnv, type Api } from '@herald/api';
import { topicNames } from '@herald/core';
import { ensureTopics, heraldTopicSpecs } from '@herald/kafka';
import {
  ApiKeyStore,
  createDatabase,
  ensureMonthlyPartitions,
  migrateToLatest,
  type ApiKeyScope,
} from '@herald/store';
import { createLogger } from '@herald/telemetry';
import type { TestRun } from '@herald/testkit';

/** Everything the api wrote to its log, as text, to look for secrets in. */
export interface LogCapture {
  readonly text: () => string;
}

export interface V1Harness {
  readonly api: Api;
  readonly db: ReturnType<typeof createDatabase>;
  readonly keys: ApiKeyStore;
  readonly log: LogCapture;
  /** A new key of `tenant` with `scopes`; returns the full key. */
  key(tenant: string, scopes: ApiKeyScope[], name?: string): Promise<string>;
  /** fetch on the api with a key; JSON body when given. */
  call(
    key: string | undefined,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON read by assertions
  ): Promise<{ status: number; headers: Headers; body: any; text: string }>;
}

/** Starts an api on the run's stack (migrated database, topics, Redis) with tenants acme and globex. */
export async function startV1(
  run: TestRun,
  extra: Record<string, string> = {},
): Promise<V1Harness> {
  await run.database();
  await ensureTopics(run.kafka, heraldTopicSpecs(topicNames(run.prefix), 1, 1));
  const settings = run.settings({
    HERALD_API_HOST: '127.0.0.1',
    HERALD_API_PORT: '0',
    REDIS_URL: process.env.REDIS_URL!,
    HERALD_API_KEY_CACHE_MS: '0',
    ...extra,
  });
  const db = createDatabase({
    url: settings.DATABASE_URL!,
    poolSize: 2,
    logger: createLogger({ app: 't', level: 'silent' }),
  });
  run.defer(() => db.destroy());
  await migrateToLatest(db);
  const keys = new ApiKeyStore(db);
  for (const t of ['acme', 'globex']) if (!(await keys.tenant(t))) await keys.createTenant(t, t);
  let captured = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      captured += chunk.toString();
      done();
    },
  });
  const api = await run.start(
    buildApi(parseApiEnv(settings), createLogger({ app: 'api', level: 'debug', destination })),
  );
  return {
    api,
    db,
    keys,
    log: { text: () => captured },
    key: async (tenant, scopes, name = 'test') =>
      (await keys.create({ tenant, name, scopes, createdBy: 'test' })).key,
    async call(key, method, path, body, headers = {}) {
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined
          ? {}
          : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      let parsed: unknown = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
  };
}

/** A notification row (and its statuses) as the auditor would have written them. */
export async function insertNotification(
  db: V1Harness['db'],
  n: { id: string; tenant: string; recipient: string; eventId: string; state: string; time: Date },
): Promise<void> {
  for (const table of ['notifications', 'status_events', 'delivery_attempts'])
    await ensureMonthlyPartitions(db, table, n.time, 1);
  await sql`
    insert into notifications (notification_id, event_time, tenant, event_id, event_type, rule_id,
      rule_version, channel, recipient_ref, state, state_rank, state_at, attempt,
      first_status_at, last_status_at)
    values (${n.id}, ${n.time}, ${n.tenant}, ${n.eventId}, 'order.shipped', 'r', 1, 'email',
      ${n.recipient}, ${n.state}, 1, ${n.time}, 1, ${n.time}, ${n.time})`.execute(db);
  await sql`
    insert into status_events (id, event_time, notification_id, state, tenant, event_id, event_type,
      rule_id, rule_version, channel, recipient_ref, attempt, occurred_at)
    values (${randomUUID()}, ${n.time}, ${n.id}, ${n.state}, ${n.tenant}, ${n.eventId}, 'order.shipped',
      'r', 1, 'email', ${n.recipient}, 1, ${n.time})`.execute(db);
}
