import {
  decodeCloudEvent,
  encodeCloudEvent,
  silentLogger,
  type CloudEvent,
  type ConsumedRecord,
  type OutputMessage,
} from '@herald/core';
import type { DedupeClaim } from '@herald/delivery';
import { loadRules, type Preferences, type Recipient } from '@herald/rules';
import type { DedupeClaims, RoutingMetrics, RoutingPorts } from './ports.js';
import { RecipientCache } from './recipient-cache.js';
import { createRouting } from './route-chunk.js';

// Fakes stand in for Herald's own ports (RedisDedupe, the recipient store, metrics,
// tracing); the Kafka/Redis/Postgres behind them is tested in apps/router and e2e/.

const now = new Date('2026-03-01T12:00:00Z');
const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

const rules = loadRules(
  `rules:
  - id: ops
    when: event.type == "order.created"
    continue: true
    channels: [{ type: webhook, url: "https://hooks.example.com/x" }]
  - id: people
    when: event.type == "order.created"
    recipients: event.data.watchers
    continue: true
    channels: [{ type: email, template: t }]
  - id: once
    when: event.type == "order.paid"
    dedupe: { key: event.data.order, window: 1h }
    channels: [{ type: webhook, url: "https://hooks.example.com/y" }]
`,
  'rules.yaml',
);

let offset = 0;
function record(event: CloudEvent | Buffer, at = now): ConsumedRecord {
  return {
    topic: 'herald.events',
    partition: 0,
    offset: String(offset++),
    key: null,
    value: Buffer.isBuffer(event) ? event : encodeCloudEvent(event),
    headers: {},
    timestamp: at.getTime(),
  };
}

function event(id: string, type: string, data: unknown): CloudEvent {
  return { specversion: '1.0', id, source: '/shop', type, tenantid: 'acme', data };
}

/** RedisDedupe's semantics: a key is granted when unset or held by the same owner. */
class FakeDedupe implements DedupeClaims {
  readonly keys = new Map<string, string>();
  async claim(claims: readonly DedupeClaim[]): Promise<boolean[]> {
    return claims.map(({ key, owner }) => {
      const held = this.keys.get(key);
      if (held !== undefined && held !== owner) return false;
      this.keys.set(key, owner);
      return true;
    });
  }
  async release(claims: readonly Pick<DedupeClaim, 'key' | 'owner'>[]): Promise<void> {
    for (const { key, owner } of claims) if (this.keys.get(key) === owner) this.keys.delete(key);
  }
}

function setup(overrides: { maxRecordBytes?: number; decoder?: RoutingPorts['decoder'] } = {}) {
  const counted: string[] = [];
  const metrics: RoutingMetrics = {
    consumed: (mode) => counted.push(`consumed:${mode}`),
    rejected: (code) => counted.push(`rejected:${code}`),
    matched: (rule) => counted.push(`matched:${rule}`),
    planned: (channel) => counted.push(`planned:${channel}`),
    deferred: (channel, reason) => counted.push(`deferred:${channel}:${reason}`),
    suppressed: (channel, reason) => counted.push(`suppressed:${channel}:${reason}`),
  };
  const people: Record<string, Recipient> = {
    alice: { id: 'alice', tenant: 'acme', addresses: { email: 'alice@example.com' } },
  };
  const loads: string[][] = [];
  const recipients = new RecipientCache(
    {
      async getMany(tenant, ids) {
        loads.push(ids.map((id) => `${tenant}/${id}`));
        return new Map(ids.flatMap((id) => (people[id] ? [[id, people[id]!] as const] : [])));
      },
      async tenantPreferences(): Promise<Preferences | undefined> {
        return undefined;
      },
    },
    { ttlMs: 60_000, maxEntries: 100, now: () => now.getTime() },
  );
  const ended: unknown[] = [];
  const dedupe = new FakeDedupe();
  const routing = createRouting(
    {
      topicPrefix: '',
      defaultTenant: 'default',
      eventDedupeWindowMs: 60_000,
      maxRecordBytes: overrides.maxRecordBytes ?? 1_000_000,
    },
    {
      decoder: overrides.decoder ?? { decode: async (rs) => rs.map((r) => decodeCloudEvent(r)) },
      rules: { current: rules },
      dedupe,
      recipients,
      metrics,
      tracing: {
        open: () => ({
          headers: { traceparent },
          setEventId: () => undefined,
          end: (err) => ended.push(err),
        }),
      },
      logger: silentLogger,
      now: () => now,
    },
  );
  return { routing, counted, loads, ended, dedupe };
}

/** The fields of jobs and status events the assertions read. */
interface Published {
  readonly recipient: { readonly ref: string };
  readonly tenant: string;
  readonly data: { state: string; recipientRef: string; reason?: string; tenant: string };
}
const parse = (o: OutputMessage) => JSON.parse(o.value.toString()) as Published;
const statuses = (outputs: OutputMessage[]) =>
  outputs.filter((o) => o.topic === 'herald.status').map((o) => parse(o).data);

describe('createRouting', () => {
  it('plans one job and a queued status per (rule, recipient, channel), suppresses the rest', async () => {
    const { routing, counted, loads, ended } = setup();
    const outputs = await routing.handle([
      record(event('e1', 'order.created', { watchers: ['alice', 'bob'] })),
    ]);
    const jobs = outputs.filter((o) => o.topic.startsWith('herald.deliveries.'));
    expect(jobs.map((o) => [o.topic, parse(o).recipient.ref, parse(o).tenant])).toEqual([
      ['herald.deliveries.webhook', 'hooks.example.com/x', 'acme'],
      ['herald.deliveries.email', 'alice', 'acme'],
    ]);
    expect(jobs.every((o) => o.headers?.traceparent === traceparent)).toBe(true);
    expect(statuses(outputs).map((s) => [s.state, s.recipientRef, s.reason])).toEqual([
      ['queued', 'hooks.example.com/x', undefined],
      ['queued', 'alice', undefined],
      ['suppressed', 'bob', 'unknown_recipient'],
    ]);
    const status = outputs.find((o) => o.topic === 'herald.status')!;
    expect(status.headers).toMatchObject({ traceparent, 'content-type': expect.any(String) });
    // The recipients expression was evaluated once: one batch load, with both ids.
    expect(loads).toEqual([['acme/alice', 'acme/bob']]);
    expect(counted).toEqual([
      'consumed:structured',
      'matched:ops',
      'matched:people',
      'planned:webhook',
      'planned:email',
      'suppressed:email:unknown_recipient',
    ]);
    expect(ended).toEqual([undefined]);
  });

  it('rejects an undecodable record to herald.events.rejected and routes the rest', async () => {
    const { routing, counted } = setup();
    const outputs = await routing.handle([
      record(Buffer.from('not json')),
      record(event('e2', 'order.created', { watchers: [] })),
    ]);
    expect(outputs[0]!.topic).toBe('herald.events.rejected');
    expect(outputs[0]!.value.toString()).toBe('not json');
    expect(outputs[0]!.headers).toMatchObject({
      'herald-reject-code': 'HERALD_ERR_EVENT_UNDECODABLE',
      'herald-source-topic': 'herald.events',
      traceparent,
    });
    expect(counted).toContain('rejected:HERALD_ERR_EVENT_UNDECODABLE');
    expect(outputs.some((o) => o.topic === 'herald.deliveries.webhook')).toBe(true);
  });

  it('routes an event id seen from another record as duplicate_event suppressions only', async () => {
    const { routing } = setup();
    const e = event('e3', 'order.created', { watchers: ['alice'] });
    await routing.handle([record(e)]);
    const again = await routing.handle([record(e)]);
    expect(again.every((o) => o.topic === 'herald.status')).toBe(true);
    expect(statuses(again).map((s) => [s.state, s.reason, s.tenant])).toEqual([
      ['suppressed', 'duplicate_event', 'acme'],
      ['suppressed', 'duplicate_event', 'acme'],
    ]);
  });

  it('plans the same record again (a redelivery), not as a duplicate', async () => {
    const { routing } = setup();
    const r = record(event('e4', 'order.created', { watchers: ['alice'] }));
    const first = await routing.handle([r]);
    expect(await routing.handle([r])).toEqual(first);
  });

  it('drops a match whose rule dedupe key another event holds (dedupe_window)', async () => {
    const { routing } = setup();
    await routing.handle([record(event('p1', 'order.paid', { order: 'o-1' }))]);
    const second = await routing.handle([record(event('p2', 'order.paid', { order: 'o-1' }))]);
    expect(statuses(second).map((s) => [s.state, s.reason])).toEqual([
      ['suppressed', 'dedupe_window'],
    ]);
  });

  it('rejects an event whose outputs exceed the record limit whole, releasing its marks', async () => {
    const { routing, counted, dedupe } = setup({ maxRecordBytes: 2_000 });
    const big = event('p3', 'order.paid', { order: 'o-2', note: 'x'.repeat(1_500) });
    const outputs = await routing.handle([record(big)]);
    expect(outputs).toHaveLength(1);
    expect(outputs[0]!.topic).toBe('herald.events.rejected');
    expect(outputs[0]!.headers!['herald-reject-code']).toBe('HERALD_ERR_EVENT_TOO_LARGE');
    expect(counted).toContain('rejected:HERALD_ERR_EVENT_TOO_LARGE');
    expect(dedupe.keys.size).toBe(0);
  });

  it('throws when the decoder cannot ask the registry, ending every span with the error', async () => {
    const down = new Error('registry down');
    const { routing, ended, counted } = setup({
      decoder: {
        decode: async () => {
          throw down;
        },
      },
    });
    await expect(
      routing.handle([record(Buffer.from('{}')), record(Buffer.from('{}'))]),
    ).rejects.toBe(down);
    expect(ended).toEqual([down, down]);
    expect(counted).toEqual([]);
  });
});
