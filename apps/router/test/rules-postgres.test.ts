import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Kysely } from 'kysely';
import { channelNames, silentLogger, topicNames, type CloudEvent } from '@herald/core';
import { deleteTopics, ensureTopics, heraldTopicSpecs } from '@herald/kafka';
import { buildRouter, parseRouterEnv, type Router } from '@herald/router';
import { loadRules, ruleDefinition, RulesSourceError } from '@herald/rules';
import {
  createDatabase,
  migrateToLatest,
  RecipientStore,
  TopicStore,
  RuleStore,
  type HeraldDatabase,
} from '@herald/store';
import {
  createTestDatabase,
  readTopics,
  stackEnv,
  uniquePrefix,
  waitFor,
  type TestDatabase,
  type TopicReader,
} from '@herald/testkit';

// Planning clock: 23:00 UTC, inside carol's 22:00–07:00 quiet hours.
const NOW = new Date('2026-01-10T23:00:00Z');
const prefix = uniquePrefix();
const topics = topicNames(prefix);
const kafka = new Kafka({
  clientId: 'router-rules-test',
  brokers: stackEnv().KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});

let testDb: TestDatabase;
let db: Kysely<HeraldDatabase>;
let rulesStore: RuleStore;
let router: Router;
let producer: Producer;
let consumer: TopicReader | undefined;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON read by assertions
const seen: { topic: string; value: Record<string, any> }[] = [];
const warnings: string[] = [];
const logger = {
  ...silentLogger,
  child: () => logger,
  warn: (_fields: unknown, message: string) => void warnings.push(message),
};

/** What `herald rules apply` does: validate all, then apply in one transaction. */
async function apply(source: string, name = 'rules.yaml', rollbackOf?: number) {
  const set = loadRules(source, name);
  return rulesStore.apply({
    source,
    sourceName: name,
    rules: set.rules.map((r) => ({ id: r.id, definition: ruleDefinition(r) })),
    actor: 'test',
    ...(rollbackOf === undefined ? {} : { rollbackOf }),
  });
}

const common = `
  - id: people
    when: event.type == "t.people"
    recipients: '["alice", "bob", "carol", "dave", "nobody"]'
    category: orders
    channels: [{ type: email, template: people }, { type: sms, template: people }]
  - id: once
    when: event.type == "t.once"
    recipients: '["alice"]'
    dedupe: { key: event.data.k, window: 1m }
    channels: [{ type: email, template: once }]
  - id: team
    when: event.type == "t.team"
    recipients: ["topic:on-call", "topic:empty"]
    channels: [{ type: email, template: team }]
`;
const v1 = `rules:
  - id: greet
    when: event.type == "t.greet"
    recipients: '["alice"]'
    channels: [{ type: email, template: greet-v1 }]
${common}`;
const v2 = v1.replace('greet-v1', 'greet-v2');

function event(type: string, data: unknown = {}, id = randomUUID()): CloudEvent {
  return { specversion: '1.0', id, source: '/test', type, tenantid: 'acme', data };
}

async function produce(e: CloudEvent): Promise<void> {
  await producer.send({
    topic: topics.events,
    acks: -1,
    messages: [{ key: e.id, value: JSON.stringify(e) }],
  });
}

const jobsOf = (eventId: string) =>
  seen
    .filter((m) => m.topic !== topics.status && m.value.event?.id === eventId)
    .map((m) => m.value);
const statusesOf = (eventId: string) =>
  seen
    .filter((m) => m.topic === topics.status && m.value.data.eventId === eventId)
    .map((m) => m.value.data);

beforeAll(async () => {
  testDb = await createTestDatabase(stackEnv().DATABASE_URL);
  db = createDatabase({ url: testDb.url, poolSize: 4, logger: silentLogger });
  await migrateToLatest(db);
  rulesStore = new RuleStore(db);
  const recipients = new RecipientStore(db);
  await recipients.upsert({
    tenant: 'acme',
    id: 'alice',
    addresses: { email: 'alice@example.com', sms: '+4915112345678' },
    locale: 'de-DE',
  });
  await recipients.upsert({
    tenant: 'acme',
    id: 'bob',
    addresses: { email: 'bob@example.com', sms: '+14155550100' },
    preferences: { channels: { sms: false } },
  });
  await recipients.upsert({
    tenant: 'acme',
    id: 'carol',
    addresses: { email: 'carol@example.com' },
    timezone: 'UTC',
    preferences: { quietHours: { start: '22:00', end: '07:00' } },
  });
  await recipients.upsert({ tenant: 'acme', id: 'dave', addresses: { slack: 'U1' } });
  await new TopicStore(db).subscribe('acme', 'on-call', ['alice', 'bob']);
  await ensureTopics(kafka, heraldTopicSpecs(topics, 1, 1));
  producer = kafka.producer();
  await producer.connect();
  // Validates every status (schema, CloudEvents Kafka binding) before onRecord sees it.
  consumer = await readTopics(kafka, {
    groupId: `${prefix}observer`,
    topics: [topics.status, topics.deliveries('email'), topics.deliveries('sms')],
    onRecord: ({ topic, value }) => void seen.push({ topic, value: JSON.parse(value.toString()) }),
  });
  await apply(v1);
  router = buildRouter(
    parseRouterEnv({
      KAFKA_BROKERS: stackEnv().KAFKA_BROKERS,
      HERALD_TOPIC_PREFIX: prefix,
      HERALD_TOPIC_PARTITIONS: '1',
      HERALD_RULES_SOURCE: 'postgres',
      HERALD_RULES_POLL_MS: '300',
      DATABASE_URL: testDb.url,
      REDIS_URL: stackEnv().REDIS_URL,
      HERALD_EVENT_DEDUPE_WINDOW_MS: '60000',
      HERALD_METRICS_PORT: '0',
    }),
    logger,
    { now: () => NOW },
  );
  await router.start();
}, 60_000);

afterAll(async () => {
  await router?.stop();
  // Throws (after the clean-up) if a status broke its contract.
  const statusCheck = consumer?.stop().then(
    () => undefined,
    (err: unknown) => err,
  );
  await producer?.disconnect();
  await deleteTopics(kafka, [
    topics.events,
    topics.rejected,
    topics.status,
    topics.dlq,
    ...channelNames.flatMap((c) => [topics.deliveries(c), topics.criticalDeliveries(c)]),
  ]);
  await db?.destroy();
  await testDb?.drop();
  const problem = await statusCheck;
  if (problem !== undefined) throw problem;
}, 60_000);

describe('router with rules in Postgres', () => {
  it('routes by v1, picks up v2 within seconds, keeps v2 when a bad version lands, and follows a rollback', async () => {
    const e1 = event('t.greet');
    await produce(e1);
    const [job1] = await waitFor('v1 job', () =>
      jobsOf(e1.id).length === 1 ? jobsOf(e1.id) : undefined,
    );
    expect(job1).toMatchObject({
      rule: { id: 'greet', version: 1 },
      template: { ref: 'greet-v1' },
      recipient: { ref: 'alice', address: 'alice@example.com' },
      locale: 'de-DE',
    });

    const applied = Date.now();
    expect(await apply(v2)).toMatchObject({ version: 2, diff: { changed: ['greet'] } });
    await waitFor('router on v2', () => router.rulesVersion() === 2, 5_000);
    expect(Date.now() - applied).toBeLessThan(5_000);
    const e2 = event('t.greet');
    await produce(e2);
    const [job2] = await waitFor('v2 job', () =>
      jobsOf(e2.id).length === 1 ? jobsOf(e2.id) : undefined,
    );
    expect(job2).toMatchObject({
      rule: { id: 'greet', version: 2 },
      template: { ref: 'greet-v2' },
    });

    // The CLI path refuses an invalid file with positions and writes nothing.
    const broken = v2.replace('event.type == "t.greet"', 'event.type == "t.greet" && evnt.x');
    let refused: unknown;
    try {
      await apply(broken, 'broken.yaml');
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(RulesSourceError);
    expect((refused as Error).message).toMatch(/broken\.yaml:3:\d+.*Unknown variable: evnt/s);
    expect(await rulesStore.latestVersion()).toBe(2);

    // Even a bad version written past the CLI does not disturb the running router.
    await rulesStore.apply({
      source: broken,
      sourceName: 'bypass.yaml',
      rules: [{ id: 'greet', definition: { broken: true } }],
      actor: 'test',
    });
    await waitFor('a warning about version 3', () =>
      warnings.includes('rule set version failed to load: keeping the last good rules'),
    );
    expect(router.rulesVersion()).toBe(2);
    const e3 = event('t.greet');
    await produce(e3);
    const [job3] = await waitFor('job by v2', () =>
      jobsOf(e3.id).length === 1 ? jobsOf(e3.id) : undefined,
    );
    expect(job3).toMatchObject({ template: { ref: 'greet-v2' } });

    // Rollback: v1's file again, as version 4.
    const old = await rulesStore.sourceOf(1);
    expect(await apply(old.source, old.sourceName, 1)).toMatchObject({ version: 4 });
    await waitFor('router on v4', () => router.rulesVersion() === 4, 5_000);
    const e4 = event('t.greet');
    await produce(e4);
    const [job4] = await waitFor('job by v4', () =>
      jobsOf(e4.id).length === 1 ? jobsOf(e4.id) : undefined,
    );
    expect(job4).toMatchObject({
      template: { ref: 'greet-v1' },
      rule: { id: 'greet', version: 4 },
    });
  }, 60_000);

  it('resolves recipients from Postgres: preferences, quiet hours, missing addresses, unknown ids — each with a status', async () => {
    const e = event('t.people');
    await produce(e);
    const statuses = await waitFor('10 statuses', () => {
      const s = statusesOf(e.id);
      return s.length >= 10 ? s : undefined;
    });
    const summary = statuses
      .map((s) => `${s.recipientRef} ${s.channel} ${s.state}${s.reason ? ` ${s.reason}` : ''}`)
      .sort();
    expect(summary).toEqual([
      'alice email queued',
      'alice sms queued',
      'bob email queued',
      'bob sms suppressed opted_out',
      'carol email deferred quiet_hours',
      'carol sms suppressed no_address',
      'dave email suppressed no_address',
      'dave sms suppressed no_address',
      'nobody email suppressed unknown_recipient',
      'nobody sms suppressed unknown_recipient',
    ]);
    const carol = statuses.find((s) => s.recipientRef === 'carol' && s.channel === 'email');
    expect(carol.notBefore).toBe('2026-01-11T07:00:00.000Z');
    const jobs = jobsOf(e.id);
    expect(jobs.map((j) => `${j.recipient.ref} ${j.channel}`).sort()).toEqual([
      'alice email',
      'alice sms',
      'bob email',
      'carol email',
    ]);
    expect(jobs.find((j) => j.recipient.ref === 'carol')!.notBefore).toBe(
      '2026-01-11T07:00:00.000Z',
    );
  }, 30_000);

  it('does not plan an event id twice (duplicate_event) nor a dedupe key within its window (dedupe_window)', async () => {
    const first = event('t.once', { k: 'x' });
    await produce(first);
    await waitFor('first job', () => jobsOf(first.id).length === 1);
    // The same event published again.
    await produce(first);
    const dup = await waitFor('duplicate status', () =>
      statusesOf(first.id).find((s) => s.reason === 'duplicate_event'),
    );
    expect(dup).toMatchObject({ state: 'suppressed', rule: { id: 'once' }, recipientRef: '*' });
    // Another event with the same dedupe key.
    const second = event('t.once', { k: 'x' });
    await produce(second);
    const windowed = await waitFor('dedupe status', () =>
      statusesOf(second.id).find((s) => s.reason === 'dedupe_window'),
    );
    expect(windowed).toMatchObject({ state: 'suppressed', channel: 'email' });
    // A third with another key is planned.
    const third = event('t.once', { k: 'y' });
    await produce(third);
    await waitFor('third job', () => jobsOf(third.id).length === 1);
    expect(jobsOf(first.id)).toHaveLength(1);
    expect(jobsOf(second.id)).toHaveLength(0);
  }, 30_000);

  it('expands recipients topic:<key> to the topic’s subscribers from Postgres', async () => {
    const e = event('t.team');
    await produce(e);
    const statuses = await waitFor('3 statuses', () => {
      const s = statusesOf(e.id);
      return s.length >= 3 ? s : undefined;
    });
    expect(
      statuses.map((s) => `${s.recipientRef} ${s.state}${s.reason ? ` ${s.reason}` : ''}`).sort(),
    ).toEqual(['alice queued', 'bob queued', 'topic:empty suppressed no_recipients']);
    expect(
      jobsOf(e.id)
        .map((j) => j.recipient.address)
        .sort(),
    ).toEqual([expect.stringContaining('@'), expect.stringContaining('@')]);
  }, 30_000);
});
