/**
 * The router against real Kafka and Redis: priority lanes (critical and high jobs on
 * herald.deliveries.<channel>.critical), the counters on /metrics after routing, and
 * /healthz and /readyz of its ops server.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { silentLogger, topicNames, type CloudEvent } from '@herald/core';
import { buildRouter, parseRouterEnv, type Router } from '@herald/router';
import {
  expectValidStatusRecord,
  readTopics,
  stackEnv,
  testRun,
  waitFor,
  type TopicReader,
} from '@herald/testkit';

const run = testRun('router-telemetry-test');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
const rules = `rules:
  - id: alerts
    when: event.type == "t.alert"
    channels: [{ type: webhook, url: "https://hooks.example.com/alerts" }]
  - id: people
    when: event.type == "t.people"
    recipients: '["nobody"]'
    channels: [{ type: email, template: people }]
  - id: fragile
    when: event.type == "t.fragile" && event.data.order.total > 1
    channels: [{ type: webhook, url: "https://hooks.example.com/fragile" }]
`;

let router: Router;
let producer: Producer;
const seen: { topic: string; value: Record<string, unknown> }[] = [];
let observer: TopicReader;

function event(type: string, extra: Partial<CloudEvent> = {}): CloudEvent {
  return { specversion: '1.0', id: randomUUID(), source: '/test', type, data: {}, ...extra };
}

async function produce(...values: (CloudEvent | string)[]): Promise<void> {
  await producer.send({
    topic: topics.events,
    acks: -1,
    messages: values.map((v) => ({ value: typeof v === 'string' ? v : JSON.stringify(v) })),
  });
}

/** The value of one series of a scrape: name plus a subset of its labels. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'herald-router-telemetry-'));
  run.defer(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'rules.yaml'), rules);
  router = await run.start(
    buildRouter(
      parseRouterEnv(
        run.settings({
          REDIS_URL: stackEnv().REDIS_URL,
          HERALD_RULES_FILE: join(dir, 'rules.yaml'),
          HERALD_EVENT_DEDUPE_WINDOW_MS: '60000',
          HERALD_METRICS_HOST: '127.0.0.1',
          HERALD_LAG_INTERVAL_MS: '200',
        }),
      ),
      silentLogger,
    ),
  );
  producer = kafka.producer();
  run.defer(() => producer.disconnect());
  await producer.connect();
  // Validates every status (schema, CloudEvents Kafka binding) before onRecord sees it.
  observer = await readTopics(kafka, {
    groupId: `${prefix}observer`,
    topics: [
      topics.status,
      topics.rejected,
      topics.deliveries('webhook'),
      topics.criticalDeliveries('webhook'),
    ],
    onRecord: ({ topic, value: raw }) => {
      const text = raw.toString();
      let value: Record<string, unknown>;
      try {
        value = JSON.parse(text) as Record<string, unknown>;
      } catch {
        value = { raw: text };
      }
      seen.push({ topic, value });
    },
  });
  run.defer(() => observer.stop());
}, 60_000);

afterAll(() => run.stop(), 60_000);

const jobOf = (id: string) =>
  seen.find(
    (m) => m.topic !== topics.status && (m.value.event as { id?: string } | undefined)?.id === id,
  );

describe('router priority lanes', () => {
  it('publishes critical and high jobs on the priority lane, the rest on the main topic', async () => {
    const critical = event('t.alert', { severity: 'critical' });
    const high = event('t.alert', { severity: 'error' });
    const normal = event('t.alert');
    await produce(critical, high, normal);
    await waitFor('three jobs', () => jobOf(critical.id) && jobOf(high.id) && jobOf(normal.id));
    expect(jobOf(critical.id)).toMatchObject({
      topic: topics.criticalDeliveries('webhook'),
      value: { priority: 'critical', channel: 'webhook' },
    });
    expect(jobOf(high.id)).toMatchObject({
      topic: topics.criticalDeliveries('webhook'),
      value: { priority: 'high' },
    });
    expect(jobOf(normal.id)).toMatchObject({
      topic: topics.deliveries('webhook'),
      value: { priority: 'normal' },
    });
  });
});

describe('router ops server', () => {
  it('is alive, and ready once the consumer joined and Kafka and Redis answer', async () => {
    const url = router.opsUrl()!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ok',
      checks: { kafka: { ok: true }, consumerGroup: { ok: true }, redis: { ok: true } },
    });
  });

  it('counts consumed, rejected, matched, planned, suppressed and failed expressions on /metrics', async () => {
    const before = Date.now();
    const alert = event('t.alert');
    const people = event('t.people');
    const fragile = event('t.fragile');
    const binary = {
      topic: topics.events,
      acks: -1,
      messages: [
        {
          value: JSON.stringify({}),
          headers: {
            ce_specversion: '1.0',
            ce_id: randomUUID(),
            ce_source: '/test',
            ce_type: 't.alert',
            'content-type': 'application/json',
          },
        },
      ],
    };
    await produce(alert, people, fragile, '{not json', JSON.stringify({ specversion: '1.0' }));
    await producer.send(binary);
    await waitFor('the rejected records and the people suppression', () => {
      const rejected = seen.filter((m) => m.topic === topics.rejected).length;
      const suppressed = seen.some(
        (m) =>
          m.topic === topics.status && (m.value.data as { eventId?: string }).eventId === people.id,
      );
      return rejected === 2 && suppressed;
    });
    const text = await waitFor('scraped counters', async () => {
      const body = await (await fetch(`${router.opsUrl()!}/metrics`)).text();
      return (sample(body, 'herald_events_consumed_total', { mode: 'binary' }) ?? 0) >= 1
        ? body
        : undefined;
    });
    // Three events of the lanes test before this one, all structured.
    expect(
      sample(text, 'herald_events_consumed_total', { mode: 'structured', app: 'router' }),
    ).toBe(8);
    expect(sample(text, 'herald_events_consumed_total', { mode: 'binary' })).toBe(1);
    expect(
      sample(text, 'herald_events_rejected_total', { reason: 'HERALD_ERR_EVENT_UNDECODABLE' }),
    ).toBe(1);
    expect(
      sample(text, 'herald_events_rejected_total', { reason: 'HERALD_ERR_EVENT_INVALID' }),
    ).toBe(1);
    expect(sample(text, 'herald_rules_matched_total', { rule: 'alerts' })).toBe(5);
    expect(sample(text, 'herald_rules_matched_total', { rule: 'people' })).toBe(1);
    expect(sample(text, 'herald_rules_matched_total', { rule: 'fragile' })).toBeUndefined();
    expect(sample(text, 'herald_jobs_planned_total', { channel: 'webhook' })).toBe(5);
    expect(
      sample(text, 'herald_router_suppressed_total', {
        channel: 'email',
        reason: 'unknown_recipient',
      }),
    ).toBe(1);
    expect(sample(text, 'herald_rule_evaluation_errors_total', { rule: 'fragile' })).toBe(1);
    expect(Date.now() - before).toBeLessThan(30_000);
  });

  it('exports the consumer lag of its group on herald.events', async () => {
    const lag = await waitFor('lag of a fully consumed topic', async () => {
      const body = await (await fetch(`${router.opsUrl()!}/metrics`)).text();
      const value = sample(body, 'herald_consumer_lag_messages', {
        group: `${prefix}herald-router`,
        topic: topics.events,
        partition: '0',
      });
      return value === 0 ? 'zero' : undefined;
    });
    expect(lag).toBe('zero');
  });

  it('publishes every status, queued and suppressed alike, as a record the CloudEvents SDK Kafka binding reads', async () => {
    const people = event('t.people');
    const alert = event('t.alert');
    await produce(people, alert);
    const mine = () =>
      observer.records.filter(
        (r) =>
          r.topic === topics.status &&
          [people.id, alert.id].includes(
            (JSON.parse(r.value.toString()) as { data: { eventId: string } }).data.eventId,
          ),
      );
    const records = await waitFor('both statuses', () =>
      mine().length === 2 ? mine() : undefined,
    );
    // The structured-mode content-type header (CloudEvents Kafka binding) on each, the
    // `suppressed` one (no job behind it) included.
    expect(records.map((r) => r.headers['content-type'])).toEqual([
      'application/cloudevents+json; charset=UTF-8',
      'application/cloudevents+json; charset=UTF-8',
    ]);
    const states = records.map(
      (r) => (expectValidStatusRecord(r) as { data: { state: string } }).data.state,
    );
    expect(states.sort()).toEqual(['queued', 'suppressed']);
  });
});
