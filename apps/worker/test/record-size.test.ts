/**
 * Herald issue 12, item 4: a job just under the topic's max.message.bytes that fails
 * makes a dead letter (job + attempts) or a retry (job + history) over it. The worker
 * must cut the dead letter down (and say so) or dead-letter the retry, never retry a
 * produce the broker refuses for ever, and keep delivering the jobs after it.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Consumer, Producer } from 'kafkajs';
import {
  deterministicId,
  encodeDeliveryJob,
  isHeraldError,
  silentLogger,
  topicNames,
  type DeliveryJob,
  type StatusEvent,
} from '@herald/core';
import { readDeadLetter, replayJob, replayRefusal, type DeadLetterRecord } from '@herald/delivery';
import { buildWorker, parseWorkerEnv } from '@herald/worker';
import { expectValidStatusEvent, testRun, waitFor } from '@herald/testkit';

const run = testRun('worker-record-size');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
const statuses: StatusEvent[] = [];
const letters: { record: DeadLetterRecord; headers: Record<string, string>; size: number }[] = [];
let base: string;
let producer: Producer;
let reader: Consumer;

/** A webhook job whose encoded value is exactly `bytes` long. */
function job(id: string, path: string, bytes: number): DeliveryJob {
  const make = (blob: string): DeliveryJob => ({
    notificationId: deterministicId(prefix, id),
    event: { id: `e-${id}`, source: 'test', type: 'test.size', time: new Date().toISOString() },
    tenant: 'acme',
    rule: { id: 'r', version: 1 },
    channel: 'webhook',
    recipient: { ref: `rcpt-${id}`, address: `${base}${path}` },
    priority: 'normal',
    attempt: 1,
    payload: { blob },
    plannedAt: new Date().toISOString(),
  });
  const shell = encodeDeliveryJob(make('')).length;
  const j = make('x'.repeat(bytes - shell));
  expect(encodeDeliveryJob(j).length).toBe(bytes);
  return j;
}

async function publish(j: DeliveryJob): Promise<void> {
  // One record per send: two of these in one batch would be over the limit.
  await producer.send({
    topic: topics.deliveries('webhook'),
    acks: -1,
    messages: [{ key: j.recipient.ref, value: encodeDeliveryJob(j) }],
  });
}

const statesOf = (j: DeliveryJob) =>
  statuses.filter((s) => s.subject === j.notificationId).map((s) => s.data.state);
const letterOf = (j: DeliveryJob) =>
  letters.find((l) => l.record.letter.notificationId === j.notificationId);

beforeAll(async () => {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '/';
      res.writeHead(path.startsWith('/ok') ? 204 : path.startsWith('/down') ? 503 : 400).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  run.defer(() => new Promise((r) => server.close(r)));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env = parseWorkerEnv({
    ...run.settings(),
    HERALD_WEBHOOK_SECRETS: JSON.stringify({
      default: `whsec_${randomBytes(24).toString('base64')}`,
    }),
    HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_WORKER_RETRY_POLICIES: JSON.stringify({
      webhook: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 200, minDelayMs: 100 },
    }),
  });
  await run.start(buildWorker(env, silentLogger));
  producer = kafka.producer();
  run.defer(() => producer.disconnect());
  await producer.connect();
  reader = kafka.consumer({ groupId: `${prefix}reader`, maxBytesPerPartition: 2 * 1024 * 1024 });
  run.defer(() => reader.disconnect());
  await reader.connect();
  await reader.subscribe({ topics: [topics.status, topics.dlq], fromBeginning: true });
  await reader.run({
    eachMessage: async ({ topic, partition, message }) => {
      if (topic === topics.status) {
        statuses.push(JSON.parse(message.value!.toString()) as StatusEvent);
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      letters.push({
        record: readDeadLetter({ ...message, partition }),
        headers,
        size: message.value?.length ?? 0,
      });
    },
  });
}, 120_000);

afterAll(() => run.stop(), 60_000);

it('cuts down a dead letter over the record limit, says so, and delivers the next job', async () => {
  const big = job('big-perm', '/perm', 1_048_000);
  const next = job('next-ok', '/ok', 2_000);
  await publish(big);
  await publish(next);

  // (b) the stage moved on.
  await waitFor('the next job sent', () => statesOf(next).includes('sent'), 60_000);

  // (a) the big one's outcome is recorded: a dead letter that fits, and its status.
  const { record, headers, size } = await waitFor('its dead letter', () => letterOf(big), 30_000);
  expect(size).toBeLessThan(1_048_000);
  expect(record.letter).toMatchObject({
    kind: 'permanent',
    notificationId: big.notificationId,
    job: { notificationId: big.notificationId, payload: null },
    truncated: { omitted: 'payload' },
    source: { topic: topics.deliveries('webhook'), partition: 0 },
  });
  expect(record.letter.truncated!.originalBytes).toBeGreaterThan(1_048_000);
  expect(record.letter.attempts).toEqual([
    expect.objectContaining({ attempt: 1, outcome: 'permanent' }),
  ]);
  expect(headers).toMatchObject({
    'herald-dlq-truncated': 'payload',
    'herald-dlq-original-bytes': String(record.letter.truncated!.originalBytes),
    'herald-dlq-source-topic': topics.deliveries('webhook'),
  });
  await waitFor('dead_lettered status', () => statesOf(big).includes('dead_lettered'), 10_000);
  for (const s of statuses) expectValidStatusEvent(s);

  // Replay refuses it: the job has no payload any more.
  expect(replayJob(record.letter, new Date())).toBeUndefined();
  const refusal = replayRefusal(record.letter);
  expect(isHeraldError(refusal, 'HERALD_ERR_DLQ_TRUNCATED')).toBe(true);
  expect(refusal!.message).toContain(
    `${topics.deliveries('webhook')} 0:${record.letter.source.offset}`,
  );
}, 90_000);

it('dead-letters a job that has grown over the record limit instead of retrying it', async () => {
  // The webhook provider refuses bodies over 256 KiB before sending, so the bulk rides in
  // the job's history (as a long earlier reason would): the body is small, the endpoint
  // answers 503, and the retry (one more attempt in the history) no longer fits a record.
  const small = job('big-down', '/down', 1_000);
  const shell = encodeDeliveryJob({
    ...small,
    attempt: 2,
    history: [{ attempt: 1, at: new Date().toISOString(), outcome: 'transient', reason: '' }],
  }).length;
  const big: DeliveryJob = {
    ...small,
    attempt: 2,
    history: [
      {
        attempt: 1,
        at: new Date().toISOString(),
        outcome: 'transient',
        reason: 'r'.repeat(1_048_400 - shell),
      },
    ],
  };
  expect(encodeDeliveryJob(big).length).toBe(1_048_400);
  const next = job('next-ok-2', '/ok', 2_000);
  await publish(big);
  await publish(next);
  await waitFor('the next job sent', () => statesOf(next).includes('sent'), 60_000);
  const { record, headers } = await waitFor('its dead letter', () => letterOf(big), 30_000);
  expect(record.letter.kind).toBe('permanent');
  expect(record.letter.reason).toMatch(
    /^HERALD_ERR_JOB_TOO_LARGE: delivery job \S+ is too large to publish again: \d+ bytes for \S+herald\.deliveries\.webhook\.delay/,
  );
  // The letter is cut down to fit: without the job, the attempts' reasons shortened.
  expect(record.letter.truncated?.omitted).toBe('job');
  expect(record.letter.job).toBeUndefined();
  expect(headers['herald-dlq-truncated']).toBe('job');
  expect(replayRefusal(record.letter)?.code).toBe('HERALD_ERR_DLQ_TRUNCATED');
  await waitFor('dead_lettered status', () => statesOf(big).includes('dead_lettered'), 10_000);
  // It never reached a delay lane: no retrying status.
  expect(statesOf(big)).not.toContain('retrying');
  for (const s of statuses) expectValidStatusEvent(s);
}, 90_000);
