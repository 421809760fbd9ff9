/**
 * Silences and inhibition against the real stack (issue 16, item 5): a silence stored
 * in Postgres suppresses matching notifications with reason `silenced` and its id, and
 * stops at its end on the router's (injected) clock; an inhibition rule of the rules
 * file suppresses targets with equal labels while a source event is active in Redis,
 * and not otherwise. The audit projection (the auditor's AuditStore) keeps the reasons.
 */
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { sql } from 'kysely';
import { silentLogger, topicNames, type CloudEvent, type StatusEvent } from '@herald/core';
import { buildRouter, parseRouterEnv, type Router } from '@herald/router';
import {
  AuditStore,
  createDatabase,
  migrateToLatest,
  SilenceStore,
  type HeraldDatabase,
} from '@herald/store';
import { readTopics, stackEnv, testRun, waitFor, type TopicReader } from '@herald/testkit';
import type { Kysely } from 'kysely';

const run = testRun('router-silences');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
let clock = new Date('2026-03-02T10:00:00Z');
let router: Router;
let producer: Producer;
let reader: TopicReader<StatusEvent>;
let db: Kysely<HeraldDatabase>;
let silences: SilenceStore;

const RULES = `rules:
  - id: alerts
    types: [alert.fired]
    channels:
      - type: webhook
        url: https://hooks.example.com/alerts
inhibit:
  - id: critical-mutes-warnings
    source: [severity=critical]
    target: [severity=warning]
    equal: [service]
    window: 30m
`;

function alert(severity: string, service: string): CloudEvent {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: `/${prefix}monitor`,
    type: 'alert.fired',
    tenantid: 'acme',
    severity,
    service,
    data: { summary: `${service} ${severity}` },
  };
}

/** Produces the event and waits for its one status (queued or suppressed). */
async function route(e: CloudEvent): Promise<StatusEvent> {
  await producer.send({
    topic: topics.events,
    acks: -1,
    messages: [{ key: e.id, value: JSON.stringify(e) }],
  });
  return waitFor(`status of ${e.id}`, () => reader.statuses.find((s) => s.data.eventId === e.id));
}

/** Writes the status as the auditor does and reads back the notification's reason. */
async function auditedReason(status: StatusEvent): Promise<string | null | undefined> {
  await new AuditStore(db).write([status]);
  const rows = await sql<{ reason: string | null }>`
    select reason from notifications where notification_id = ${status.data.notificationId}`.execute(
    db,
  );
  return rows.rows[0]?.reason;
}

beforeAll(async () => {
  const { url } = await run.database();
  db = createDatabase({ url, poolSize: 2, logger: silentLogger });
  run.defer(() => db.destroy());
  await migrateToLatest(db);
  silences = new SilenceStore(db);
  const file = join(tmpdir(), `${prefix}rules.yaml`);
  await writeFile(file, RULES);
  run.defer(() => rm(file, { force: true }));
  const settings = {
    ...run.settings(),
    REDIS_URL: stackEnv().REDIS_URL,
    HERALD_RULES_FILE: file,
    HERALD_SILENCES_POLL_MS: '60000',
  };
  router = await run.start(
    buildRouter(parseRouterEnv(settings), silentLogger, { now: () => clock }),
  );
  producer = kafka.producer();
  run.defer(() => producer.disconnect());
  await producer.connect();
  reader = await readTopics<StatusEvent>(kafka, {
    groupId: `${prefix}reader`,
    topics: [topics.status],
  });
  run.defer(() => reader.stop());
}, 120_000);

afterAll(() => run.stop(), 60_000);

it('suppresses matching notifications with the silence id until the silence ends', async () => {
  const silence = await silences.create({
    matchers: [
      { name: 'service', op: '=~', value: 'db-.*' },
      { name: 'tenant', op: '=', value: 'acme' },
    ],
    startsAt: clock,
    endsAt: new Date(clock.getTime() + 3_600_000),
    createdBy: 'ops@example.com',
    comment: 'maintenance of the db cluster',
  });
  await router.reloadSilences();
  const silenced = await route(alert('critical', 'db-1'));
  expect(silenced.data).toMatchObject({
    state: 'suppressed',
    reason: `silenced: ${silence.id}`,
    silenceId: silence.id,
  });
  expect((await route(alert('critical', 'web'))).data.state).toBe('queued');
  // The router's clock passes the end: the same silence no longer applies, no reload needed.
  clock = new Date(clock.getTime() + 3_600_000);
  expect((await route(alert('critical', 'db-2'))).data.state).toBe('queued');
  // The audit tables keep the reason with the silence id.
  expect(await auditedReason(silenced)).toBe(`silenced: ${silence.id}`);
}, 60_000);

it('inhibits warnings of the service a critical alert is active for, within the window only', async () => {
  clock = new Date(clock.getTime() + 60_000);
  const critical = alert('critical', 'api');
  expect((await route(critical)).data.state).toBe('queued');
  const inhibited = await route(alert('warning', 'api'));
  expect(inhibited.data).toMatchObject({
    state: 'suppressed',
    reason: `inhibited: ${critical.id}`,
    inhibitedBy: critical.id,
  });
  // Other labels differ: not inhibited. Not a target: not inhibited.
  expect((await route(alert('warning', 'web'))).data.state).toBe('queued');
  expect((await route(alert('info', 'api'))).data.state).toBe('queued');
  // Past the 30-minute window the critical alert no longer inhibits.
  clock = new Date(clock.getTime() + 30 * 60_000 + 1);
  expect((await route(alert('warning', 'api'))).data.state).toBe('queued');
  expect(await auditedReason(inhibited)).toBe(`inhibited: ${critical.id}`);
}, 60_000);
