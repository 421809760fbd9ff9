/**
 * Issue 19, item 5: a lone event is routed at once, not held until the router's fetch
 * has a fuller chunk. The fetch's long poll is made long here (HERALD_KAFKA_FETCH_MAX_WAIT_MS)
 * so that waiting for bytes would show: each event is produced right after the previous
 * one's job appeared, i.e. while the router's next fetch has just started waiting.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Consumer, Producer } from 'kafkajs';
import { silentLogger, topicNames } from '@herald/core';
import { buildRouter, parseRouterEnv } from '@herald/router';
import { testRun, waitFor } from '@herald/testkit';

const LONG_POLL_MS = 4_000;
const run = testRun('router-lone-event-test');
const { kafka, prefix } = run;
const topics = topicNames(prefix);

let producer: Producer;
let observer: Consumer;
/** Broker timestamp of each delivery job, by event id. */
const jobAt = new Map<string, number>();

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'herald-router-lone-'));
  run.defer(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    join(dir, 'rules.yaml'),
    `rules:
  - id: ping
    when: event.type == "ping"
    channels: [{ type: webhook, url: "https://example.com/hook" }]
`,
  );
  await run.start(
    buildRouter(
      parseRouterEnv(
        run.settings({
          HERALD_RULES_FILE: join(dir, 'rules.yaml'),
          HERALD_KAFKA_FETCH_MAX_WAIT_MS: String(LONG_POLL_MS),
        }),
      ),
      silentLogger,
    ),
  );
  producer = kafka.producer();
  run.defer(() => producer.disconnect());
  await producer.connect();
  observer = kafka.consumer({ groupId: `${prefix}observer`, maxWaitTimeInMs: 100 });
  run.defer(() => observer.disconnect());
  await observer.connect();
  await observer.subscribe({ topics: [topics.deliveries('webhook')], fromBeginning: true });
  await observer.run({
    eachMessage: async ({ message }) => {
      const job = JSON.parse(message.value!.toString()) as { event: { id: string } };
      jobAt.set(job.event.id, Number(message.timestamp));
    },
  });
}, 60_000);

afterAll(() => run.stop(), 60_000);

async function route(): Promise<number> {
  const id = randomUUID();
  const sentAt = Date.now();
  await producer.send({
    topic: topics.events,
    acks: -1,
    messages: [
      {
        key: id,
        value: JSON.stringify({ specversion: '1.0', id, source: '/test', type: 'ping', data: {} }),
      },
    ],
  });
  await waitFor(`the job of event ${id}`, () => jobAt.has(id), 3 * LONG_POLL_MS);
  return jobAt.get(id)! - sentAt;
}

it('routes a lone event without waiting for the fetch to fill', async () => {
  await route(); // the first one may meet the router at any point of its long poll
  const latencies = [await route(), await route(), await route()];
  // Holding the fetch for bytes would make each of these about LONG_POLL_MS.
  for (const ms of latencies) expect(ms).toBeLessThan(LONG_POLL_MS / 2);
}, 60_000);
