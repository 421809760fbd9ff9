/**
 * Herald issue 12, item 3: an event just under the topic's max.message.bytes plans a
 * job over it. The router must reject it (HERALD_ERR_EVENT_TOO_LARGE) instead of
 * retrying the produce for ever, and keep routing the events after it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigResourceTypes, type Consumer, type Producer } from 'kafkajs';
import {
  DEFAULT_DLQ_RETENTION_MS,
  DEFAULT_MAX_RECORD_BYTES,
  silentLogger,
  topicNames,
} from '@herald/core';
import { buildRouter, parseRouterEnv } from '@herald/router';
import { deleteStackRedisKeys, stackEnv, testRun, waitFor } from '@herald/testkit';

const run = testRun('router-record-size-test');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
let producer: Producer;
let observer: Consumer;
interface Seen {
  readonly topic: string;
  readonly offset: string;
  readonly size: number;
  readonly value: string;
  readonly headers: Record<string, string>;
}
const seen: Seen[] = [];

/** A structured CloudEvent of exactly `bytes` bytes. */
function eventOf(id: string, type: string, bytes: number): string {
  const shell = JSON.stringify({ specversion: '1.0', id, source: '/t', type, data: { blob: '' } });
  return JSON.stringify({
    specversion: '1.0',
    id,
    source: '/t',
    type,
    data: { blob: 'x'.repeat(bytes - shell.length) },
  });
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'herald-router-size-'));
  run.defer(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    join(dir, 'rules.yaml'),
    `rules:
  - id: hooks
    when: event.type.startsWith("t.")
    channels: [{ type: webhook, url: "https://hooks.example.com/in" }]
`,
  );
  // The run's dedupe marks go last.
  run.defer(() => deleteStackRedisKeys(prefix));
  await run.start(
    buildRouter(
      parseRouterEnv(
        run.settings({
          HERALD_RULES_FILE: join(dir, 'rules.yaml'),
          REDIS_URL: stackEnv().REDIS_URL,
        }),
      ),
      silentLogger,
    ),
  );
  producer = kafka.producer();
  run.defer(() => producer.disconnect());
  await producer.connect();
  observer = kafka.consumer({
    groupId: `${prefix}observer`,
    maxBytesPerPartition: 2 * 1024 * 1024,
  });
  run.defer(() => observer.disconnect());
  await observer.connect();
  await observer.subscribe({
    topics: [topics.status, topics.deliveries('webhook'), topics.rejected, topics.dlq],
    fromBeginning: true,
  });
  await observer.run({
    eachMessage: async ({ topic, message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      seen.push({
        topic,
        offset: message.offset,
        size: message.value?.length ?? 0,
        value: message.value?.toString() ?? '',
        headers,
      });
    },
  });
}, 60_000);

afterAll(() => run.stop(), 60_000);

it('creates its topics with the record limit, and herald.dlq with a long retention', async () => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [topics.events, topics.dlq].map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['max.message.bytes', 'retention.ms'],
      })),
    });
    const config = (name: string) =>
      Object.fromEntries(
        resources
          .find((r) => r.resourceName === name)!
          .configEntries.map((e) => [e.configName, e.configValue]),
      );
    expect(config(topics.events)['max.message.bytes']).toBe(String(DEFAULT_MAX_RECORD_BYTES));
    expect(config(topics.dlq)).toEqual({
      'max.message.bytes': String(DEFAULT_MAX_RECORD_BYTES),
      'retention.ms': String(DEFAULT_DLQ_RETENTION_MS),
    });
  } finally {
    await admin.disconnect();
  }
});

it('rejects an event whose job would be over the record limit, and routes the next one', async () => {
  const big = randomUUID();
  const next = randomUUID();
  // About 1,048,400 bytes: the events topic takes it (the limit is 1,048,588 with
  // framing), its job (the data plus ~350 bytes of routing) is over.
  const bigValue = eventOf(big, 't.big', 1_048_400);
  expect(Buffer.byteLength(bigValue)).toBe(1_048_400);
  // Two sends: the broker takes the big record alone (a batch with both would be over).
  const [sent] = await producer.send({
    topic: topics.events,
    acks: -1,
    messages: [{ key: big, value: bigValue }],
  });
  const baseOffset = sent!.baseOffset!;
  await producer.send({
    topic: topics.events,
    acks: -1,
    messages: [{ key: next, value: eventOf(next, 't.small', 500) }],
  });

  // (b) the stage moved on: the event after it is routed.
  const job = await waitFor(
    'the next event routed',
    () => seen.find((m) => m.topic === topics.deliveries('webhook') && m.value.includes(next)),
    60_000,
  );
  expect(JSON.parse(job.value)).toMatchObject({ event: { id: next }, channel: 'webhook' });

  // (a) the oversized one is rejected with its code; nothing of it is routed.
  const rejected = await waitFor('the rejected record', () =>
    seen.find(
      (m) => m.topic === topics.rejected && m.headers['herald-source-offset'] === `0:${baseOffset}`,
    ),
  );
  expect(rejected?.headers).toMatchObject({
    'herald-reject-code': 'HERALD_ERR_EVENT_TOO_LARGE',
    'herald-source-topic': topics.events,
  });
  expect(rejected!.headers['herald-reject-reason']).toMatch(
    new RegExp(
      `delivery job for ${topics.deliveries('webhook').replace(/\./g, '\\.')} would be \\d+ bytes, over the ${DEFAULT_MAX_RECORD_BYTES}-byte record limit`,
    ),
  );
  // The copy fits too: the original bytes plus the reason headers would not.
  expect(rejected).toMatchObject({ size: 0 });
  expect(rejected!.headers['herald-reject-truncated']).toBe('value');
  expect(Number(rejected!.headers['herald-reject-original-bytes'])).toBeGreaterThan(1_048_400);
  expect(seen.filter((m) => m.value.includes(big))).toEqual([]);
  expect(seen.filter((m) => m.topic === topics.dlq)).toEqual([]);

  // Its event-id mark was given back: the producer's smaller resend is routed, not a duplicate.
  await producer.send({
    topic: topics.events,
    acks: -1,
    messages: [{ key: big, value: eventOf(big, 't.big', 2_000) }],
  });
  await waitFor('the resent event routed', () =>
    seen.find((m) => m.topic === topics.deliveries('webhook') && m.value.includes(big)),
  );
}, 90_000);
