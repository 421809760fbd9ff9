/**
 * Auditor throughput: status events/s from Kafka into Postgres (every projection,
 * every index), next to a bare kysely multi-row insert of the same status_events
 * rows, measured in the same run on the same Postgres.
 *
 *   npm run bench -w apps/auditor              # 100,000 status events
 *   npm run bench -w apps/auditor -- 200000
 *
 *   npm run bench -w apps/auditor -- 100000 1000 3   # events, batch size, concurrency
 *   npm run bench -w apps/auditor -- 100000 1000 3 waves
 *
 * Order: `interleaved` (default) publishes a notification's four statuses one after the
 * other, so a chunk usually holds all of them and merges them into one row; `waves`
 * publishes every `queued` first, then every `sending`, and so on, as the pipeline
 * does (the router's status long before the worker's), so most statuses update a row
 * an earlier chunk wrote.
 *
 * Prints CPU seconds per 10,000 status events of the auditor and of the Postgres
 * backends serving it (from /proc, when Postgres runs on this host).
 *
 * Uses KAFKA_BROKERS and DATABASE_URL (default: the local stack); creates its own
 * topic prefix and databases and removes them afterwards. AUDIT_BENCH_MIGRATIONS_DIR
 * (optional) applies the migrations of another folder first, to measure a schema
 * change against the one before it in the same window (e.g. a copy of migrations/
 * whose newest file is replaced by `SELECT 1;`: the auditor then finds it applied).
 */
import { sql, type Kysely } from 'kysely';
import { buildAuditor, parseAuditorEnv } from '../src/index.js';
import { channelNames, consumerGroups, silentLogger, topicNames } from '@herald/core';
import {
  createKafkaClient,
  deleteTopics,
  ensureTopics,
  heraldTopicSpecs,
  kafkaAdmin,
  MessagePublisher,
} from '@herald/kafka';
import { createDatabase, migrateToLatest, statusEventRow } from '@herald/store';
import { createLogger } from '@herald/telemetry';
import {
  auditWorkload,
  createTestDatabase,
  processCpuSeconds,
  uniquePrefix,
} from '@herald/testkit';

const total = Number(process.argv[2] ?? 100_000);
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://herald:herald@127.0.0.1:15432/herald';
const partitions = 6;
const batchSize = Number(process.argv[3] ?? 1000);
const concurrency = Number(process.argv[4] ?? partitions);
const orderArg = process.argv[5] ?? 'interleaved';
if (orderArg !== 'interleaved' && orderArg !== 'waves') {
  throw new Error(`order must be interleaved or waves, got ${orderArg}`);
}
const order: 'interleaved' | 'waves' = orderArg;

/**
 * CPU seconds (user + system) of each Postgres client backend of the current database,
 * from /proc: the server's cost of the auditor's statements, which the auditor's own
 * CPU does not show. Empty when Postgres runs elsewhere (no /proc entry to read).
 */
async function backendCpu(db: Kysely<never>): Promise<Map<number, number>> {
  const { rows } = await sql<{ pid: number }>`
    select pid from pg_stat_activity
    where datname = current_database() and backend_type = 'client backend'
      and pid <> pg_backend_pid()`.execute(db);
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const seconds = await processCpuSeconds(pid);
    if (seconds !== undefined) cpu.set(pid, seconds);
  }
  return cpu;
}

function cpuDelta(before: Map<number, number>, after: Map<number, number>): number | undefined {
  if (after.size === 0) return undefined;
  let total = 0;
  for (const [pid, s] of after) total += s - (before.get(pid) ?? 0);
  return total;
}

async function main(): Promise<void> {
  const prefix = uniquePrefix();
  const topics = topicNames(prefix);
  const kafka = createKafkaClient({
    clientId: 'audit-bench',
    brokers: brokers.split(','),
    logger: silentLogger,
  });
  const events = auditWorkload(prefix, total, order);
  const auditDb = await createTestDatabase(databaseUrl);
  const bareDb = await createTestDatabase(databaseUrl);
  try {
    await ensureTopics(kafka, heraldTopicSpecs(topics, partitions, 1));
    const producer = new MessagePublisher(kafka);
    await producer.start();
    for (let i = 0; i < events.length; i += 5000) {
      await producer.send(
        events.slice(i, i + 5000).map((e) => ({
          topic: topics.status,
          key: e.subject,
          value: Buffer.from(JSON.stringify(e)),
        })),
      );
    }
    await producer.stop();

    // 1. The auditor, from Kafka: every projection and index of migrations/.
    const db = createDatabase({ url: auditDb.url, poolSize: 4, logger: silentLogger });
    await migrateToLatest(db, process.env.AUDIT_BENCH_MIGRATIONS_DIR || undefined);
    const auditor = buildAuditor(
      parseAuditorEnv({
        KAFKA_BROKERS: brokers,
        DATABASE_URL: auditDb.url,
        HERALD_TOPIC_PREFIX: prefix,
        HERALD_TOPIC_PARTITIONS: String(partitions),
        HERALD_AUDITOR_BATCH_SIZE: String(batchSize),
        HERALD_AUDITOR_CONCURRENCY: String(concurrency),
        HERALD_DATABASE_POOL_SIZE: String(partitions + 2),
        HERALD_METRICS_PORT: '0',
      }),
      // Warnings and errors on stderr: a bench that silently lost records would lie.
      createLogger({ app: 'auditor-bench', level: 'warn' }),
    );
    const started = performance.now();
    await auditor.start();
    // start() resolves once the consumer joined its group (migrations, partitions,
    // topic checks and the group join are start-up, reported apart).
    const joined = performance.now();
    // The auditor runs in this process: its CPU is this process's over the window (the
    // offset polling below adds a little). Backends it opens later start from zero.
    const cpuBefore = process.cpuUsage();
    const pgBefore = await backendCpu(db as unknown as Kysely<never>);
    // Done when the group committed every record of the topic: offsets commit only
    // after a chunk's transaction did, and reading them costs Postgres nothing (a
    // count(*) every 50 ms would compete with the writes it measures). The target is
    // the topic's end offsets, not `total`: a produce retried under load can write a
    // record twice, and the auditor has to read the copy too.
    const admin = kafkaAdmin(kafka);
    await admin.connect();
    const end = (await admin.topicOffsets(topics.status)).reduce((n, p) => n + Number(p.high), 0);
    for (;;) {
      const [offsets] = await admin.groupOffsets(consumerGroups.auditor(prefix), [topics.status]);
      const committed = offsets!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
      if (committed >= end) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const auditorCpuS = (() => {
      const u = process.cpuUsage(cpuBefore);
      return (u.user + u.system) / 1e6;
    })();
    const pgCpuS = cpuDelta(pgBefore, await backendCpu(db as unknown as Kysely<never>));
    await admin.disconnect();
    const auditorMs = performance.now() - joined;
    const startupMs = joined - started;
    await auditor.stop();
    // Updates done in place (HOT: no new index entries) out of all updates, per table;
    // the statistics reach pg_stat a moment after the transactions that made them.
    await new Promise((r) => setTimeout(r, 1_500));
    const hot = await sql<{ t: string; upd: string; hot: string }>`
      select case when relname like 'notifications%' then 'notifications' else 'delivery_attempts' end as t,
             sum(n_tup_upd) as upd, sum(n_tup_hot_upd) as hot
      from pg_stat_user_tables
      where relname like 'notifications_y%' or relname like 'delivery_attempts_y%'
      group by 1 order by 1`.execute(db);
    const counts = await sql<{ t: string; n: string }>`
      select 'status_events' as t, count(*) as n from status_events union all
      select 'notifications', count(*) from notifications union all
      select 'delivery_attempts', count(*) from delivery_attempts union all
      select 'events', count(*) from events`.execute(db);
    await db.destroy();
    const written = Number(counts.rows.find((r) => r.t === 'status_events')!.n);
    if (written !== total) {
      console.error(`audit bench: ${written} status_events rows for ${total} status events`);
      process.exitCode = 1;
    }

    // 2. Bare kysely: the same status_events rows, multi-row inserts of the same size.
    const bare = createDatabase({ url: bareDb.url, poolSize: 1, logger: silentLogger });
    await migrateToLatest(bare);
    await sql`select herald_ensure_monthly_partitions('status_events', '2026-11-01'::timestamptz, 1)`.execute(
      bare,
    );
    const rows = events.map(statusEventRow);
    const bareStarted = performance.now();
    for (let i = 0; i < rows.length; i += batchSize) {
      await bare
        .insertInto('status_events')
        .values(rows.slice(i, i + batchSize))
        .execute();
    }
    const bareMs = performance.now() - bareStarted;
    await bare.destroy();

    const rate = (ms: number, n = total) => Math.round(n / (ms / 1000)).toLocaleString('en');
    console.log(
      `audit bench: ${total.toLocaleString('en')} status events (${order}), ${partitions} partitions, batches of ${batchSize}, concurrency ${concurrency}`,
    );
    console.log(
      `  auditor, Kafka → Postgres (${counts.rows.map((r) => `${r.t} ${Number(r.n).toLocaleString('en')}`).join(', ')}; all indexes): ${rate(auditorMs, end)} status events/s (${Math.round(auditorMs)} ms after a start-up of ${Math.round(startupMs)} ms; ${rate(auditorMs + startupMs, end)}/s counting it${end === total ? '' : `; ${end - total} records were produced twice and read again`})`,
    );
    const per10k = (s: number) => ((s * 10_000) / end).toFixed(2);
    console.log(
      `  CPU per 10,000 status events: auditor ${per10k(auditorCpuS)} s, Postgres backends ${pgCpuS === undefined ? 'n/a (not on this host)' : `${per10k(pgCpuS)} s`} (auditor ${auditorCpuS.toFixed(1)} s, Postgres ${pgCpuS?.toFixed(1) ?? '?'} s in all)`,
    );
    console.log(
      `  HOT updates: ${hot.rows.map((r) => `${r.t} ${Number(r.hot).toLocaleString('en')} of ${Number(r.upd).toLocaleString('en')}`).join(', ')}`,
    );
    console.log(
      `  bare kysely multi-row insert into status_events (same rows, one connection): ${rate(bareMs)} rows/s (${Math.round(bareMs)} ms)`,
    );
    console.log(`  target: ≥ 20,000 status events/s through the auditor`);
  } finally {
    await deleteTopics(kafka, [
      topics.events,
      topics.rejected,
      topics.status,
      topics.dlq,
      ...channelNames.map(topics.deliveries),
    ]);
    await auditDb.drop();
    await bareDb.drop();
  }
}

await main();
