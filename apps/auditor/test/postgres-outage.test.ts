/**
 * Postgres goes down mid-stream: the auditor stops committing offsets, retries with
 * backoff, and catches up when Postgres returns; nothing is lost or duplicated.
 *
 * Stops and starts Postgres, so it runs its OWN Postgres instance (a fresh data folder
 * and a free port per run, so two runs on one machine never meet), never the shared
 * one; Kafka is the shared stack's.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { sql, type Kysely } from 'kysely';
import { buildAuditor, parseAuditorEnv, type Auditor } from '@herald/auditor';
import {
  consumerGroups,
  deterministicId,
  silentLogger,
  statusEventFor,
  statusMessage,
  topicNames,
  type DeliveryJob,
  type StatusEvent,
} from '@herald/core';
import { ensureTopics, heraldTopicSpecs, deleteTopicsWithPrefix } from '@herald/kafka';
import { createDatabase, type HeraldDatabase } from '@herald/store';
import {
  createTestDatabase,
  expectValidStatusEvent,
  freePort,
  stackEnv,
  uniquePrefix,
  waitFor,
  type TestDatabase,
} from '@herald/testkit';

const stackScript = fileURLToPath(new URL('../../../deploy/local/stack.sh', import.meta.url));
const stackDir = mkdtempSync(join(tmpdir(), 'herald-audit-outage-'));
let ownStack: NodeJS.ProcessEnv = {};
const postgres = (command: 'up' | 'down') =>
  execFileSync('bash', [stackScript, command, 'postgres'], { env: ownStack, stdio: 'ignore' });

const prefix = uniquePrefix();
const topics = topicNames(prefix);
const kafka = new Kafka({
  clientId: 'auditor-outage-test',
  brokers: stackEnv().KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
let testDb: TestDatabase;
let db: Kysely<HeraldDatabase>;
let auditor: Auditor;

function statuses(from: number, count: number): StatusEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    const job: DeliveryJob = {
      notificationId: deterministicId(prefix, String(n)),
      event: { id: `evt-${n}`, source: 's', type: 'order.shipped', time: '2026-11-21T10:00:00Z' },
      tenant: 'acme',
      rule: { id: 'r', version: 1 },
      channel: 'webhook',
      recipient: { ref: `user-${n}`, address: 'https://example.com/h' },
      priority: 'normal',
      attempt: 1,
      payload: {},
      plannedAt: '2026-11-21T10:00:00Z',
    };
    const event = statusEventFor(job, 'sent', 'herald/test', new Date(), {
      provider: { statusCode: 200 },
    });
    expectValidStatusEvent(event);
    return event;
  });
}

async function publish(events: readonly StatusEvent[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topics.status,
    messages: events.map((e) => statusMessage(e)),
  });
  await producer.disconnect();
}

async function rows(): Promise<number> {
  const { rows: r } = await sql<{ n: string }>`select count(*) as n from notifications`.execute(db);
  return Number(r[0]!.n);
}

async function committed(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({
      groupId: consumerGroups.auditor(prefix),
      topics: [topics.status],
    });
    return offsets!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  const pgPort = await freePort();
  ownStack = { ...process.env, HERALD_STACK_DIR: stackDir, HERALD_STACK_PG_PORT: String(pgPort) };
  postgres('up');
  testDb = await createTestDatabase(`postgres://herald:herald@127.0.0.1:${pgPort}/herald`);
  db = createDatabase({ url: testDb.url, poolSize: 2, logger: silentLogger });
  await ensureTopics(kafka, heraldTopicSpecs(topics, 2, 1));
  auditor = buildAuditor(
    parseAuditorEnv({
      KAFKA_BROKERS: stackEnv().KAFKA_BROKERS,
      DATABASE_URL: testDb.url,
      HERALD_TOPIC_PREFIX: prefix,
      HERALD_TOPIC_PARTITIONS: '2',
      HERALD_AUDITOR_BATCH_SIZE: '50',
      HERALD_METRICS_PORT: '0',
    }),
    silentLogger,
  );
  await auditor.start();
}, 60_000);

afterAll(async () => {
  postgres('up');
  await auditor?.stop();
  await db?.destroy();
  await testDb?.drop();
  postgres('down');
  rmSync(stackDir, { recursive: true, force: true });
  await deleteTopicsWithPrefix(kafka, prefix);
}, 60_000);

it('holds its offsets while Postgres is down and catches up, exactly once, when it returns', async () => {
  await publish(statuses(0, 200));
  await waitFor('the first 200 rows', async () => (await rows()) === 200);
  await waitFor('offsets committed for them', async () => (await committed()) === 200);

  postgres('down');
  await publish(statuses(200, 300));
  // The auditor keeps failing to write and commits nothing past what it wrote.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  expect(await committed()).toBe(200);

  postgres('up');
  await waitFor('all 500 rows', async () => (await rows()) === 500, 90_000);
  await waitFor('offsets committed for all', async () => (await committed()) === 500, 30_000);
  const { rows: statusRows } = await sql<{
    n: string;
  }>`select count(*) as n from status_events`.execute(db);
  expect(Number(statusRows[0]!.n)).toBe(500);
}, 180_000);
