/**
 * Issue 18, "missing events": the router's dedupe claims against the real Redis of the
 * local stack, through a chunk that fails after its claims were taken (a recipient
 * store outage: the stage consumer hands the same records to `handle` again). The
 * retry must find its own claims and route every event exactly once, not suppress them
 * as `duplicate_event`; the rule dedupe keys likewise. A copy of an event at another
 * Kafka position (the producer sent it again) after it was routed is still a duplicate.
 */
import {
  encodeCloudEvent,
  silentLogger,
  type CloudEvent,
  type ConsumedRecord,
  type OutputMessage,
} from '@herald/core';
import { MarksRedis, RedisDedupe } from '@herald/delivery';
import { loadRules, type Recipient } from '@herald/rules';
import { createRouting, RecipientCache } from '@herald/routing';
import { deleteRedisKeys, stackEnv, stackRedis, uniquePrefix } from '@herald/testkit';

const prefix = uniquePrefix();
const redis = stackRedis();
const dedupe = new RedisDedupe(
  new MarksRedis(stackEnv().REDIS_URL, { timeoutMs: 2_000 }),
  silentLogger,
);

beforeAll(() => dedupe.start());
afterAll(async () => {
  await deleteRedisKeys(redis, prefix);
  redis.disconnect();
  await dedupe.stop();
});

// A fixed clock: the claims' windows and the statuses do not depend on the date.
const now = new Date('2026-03-01T12:00:00Z');

const rules = loadRules(
  `rules:
  - id: ops
    when: event.type == "order.created"
    continue: true
    channels: [{ type: webhook, url: "https://hooks.example.com/x" }]
  - id: people
    when: event.type == "order.created"
    recipients: event.data.watchers
    dedupe: { key: event.data.order, window: 1h }
    channels: [{ type: email, template: t }]
`,
  'rules.yaml',
);

const alice: Recipient = { id: 'alice', tenant: 'acme', addresses: { email: 'a@example.com' } };

function event(n: number): CloudEvent {
  return {
    specversion: '1.0',
    id: `${prefix}evt-${n}`,
    source: '/shop',
    type: 'order.created',
    tenantid: 'acme',
    data: { order: `${prefix}o-${n}`, watchers: ['alice'] },
  };
}

function record(e: CloudEvent, offset: number): ConsumedRecord {
  return {
    topic: `${prefix}herald.events`,
    partition: 0,
    offset: String(offset),
    key: null,
    value: encodeCloudEvent(e),
    headers: {},
    timestamp: now.getTime(),
  };
}

/** A router on the real Redis whose recipient store is down for its first `outages` loads. */
function routerWithOutage(outages: number) {
  let failures = outages;
  const recipients = new RecipientCache(
    {
      async getMany(_tenant, ids) {
        if (failures-- > 0) throw new Error('recipient store unreachable');
        return new Map(ids.filter((id) => id === 'alice').map((id) => [id, alice] as const));
      },
      async tenantPreferences() {
        return undefined;
      },
    },
    { ttlMs: 60_000, maxEntries: 100, now: () => now.getTime() },
  );
  return createRouting(
    {
      topicPrefix: prefix,
      defaultTenant: 'acme',
      eventDedupeWindowMs: 60_000,
      maxRecordBytes: 1e6,
    },
    {
      decoder: {
        decode: async (rs) =>
          rs.map((r) => ({
            ok: true as const,
            mode: 'structured' as const,
            event: JSON.parse(r.value!.toString()) as CloudEvent,
          })),
      },
      rules: { current: rules },
      dedupe,
      recipients,
      metrics: {
        consumed: () => undefined,
        rejected: () => undefined,
        matched: () => undefined,
        planned: () => undefined,
        deferred: () => undefined,
        suppressed: () => undefined,
      },
      tracing: {
        open: () => ({ headers: undefined, setEventId: () => undefined, end: () => undefined }),
      },
      logger: silentLogger,
      now: () => now,
    },
  );
}

/** Each status as `eventId state reason`, sorted. */
function statuses(outputs: readonly OutputMessage[]): string[] {
  return outputs
    .filter((o) => o.topic.endsWith('herald.status'))
    .map((o) => {
      const { data } = JSON.parse(o.value!.toString()) as {
        data: { eventId: string; state: string; reason?: string; channel: string };
      };
      return `${data.eventId.slice(prefix.length)} ${data.channel} ${data.state}${data.reason ? ` ${data.reason}` : ''}`;
    })
    .sort();
}

it('routes a chunk retried after its claims were taken exactly once, and still drops a real copy', async () => {
  const routing = routerWithOutage(1);
  const records = [0, 1, 2].map((n) => record(event(n), 100 + n));
  // First handling: claims taken, then the recipient store fails the chunk.
  await expect(routing.handle(records)).rejects.toThrow('recipient store unreachable');
  // The stage consumer's retry: the same records again.
  const routed = await routing.handle(records);
  expect(statuses(routed)).toEqual(
    [0, 1, 2].flatMap((n) => [`evt-${n} email queued`, `evt-${n} webhook queued`]).sort(),
  );
  expect(routed.filter((o) => o.topic.includes('herald.deliveries.'))).toHaveLength(6);
  // A redelivery of the same records after success (offsets not committed) is planned again.
  expect(statuses(await routing.handle(records))).toEqual(statuses(routed));
  // The producer sent event 1 again: another position, a duplicate.
  expect(statuses(await routing.handle([record(event(1), 200)]))).toEqual([
    'evt-1 email suppressed duplicate_event',
    'evt-1 webhook suppressed duplicate_event',
  ]);
});
