/**
 * Issue 12, item 5: addresses taken from events are checked when the router plans. An
 * address that is not one valid address of its channel is refused for good at once: a
 * `suppressed` status whose reason carries HERALD_ERR_ADDRESS_INVALID and what is wrong,
 * `retryable: false`, and no delivery job; a valid one is planned normalised.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Consumer, Producer } from 'kafkajs';
import {
  addressRef,
  silentLogger,
  topicNames,
  type CloudEvent,
  type StatusEvent,
} from '@herald/core';
import { buildRouter, parseRouterEnv } from '@herald/router';
import { expectValidStatusEvent, testRun, waitFor } from '@herald/testkit';

const run = testRun('router-addresses-test');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
const rules = `rules:
  - id: signup
    when: event.type == "user.signed_up"
    recipients: '[{"email": event.data.email}]'
    channels: [{ type: email, template: welcome }]
`;

let producer: Producer;
let observer: Consumer;
const statuses: StatusEvent[] = [];
const jobs: { eventId: string; address: string; ref: string }[] = [];

function signup(email: string): CloudEvent {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: '/accounts',
    type: 'user.signed_up',
    data: { email },
  };
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'herald-router-addresses-'));
  run.defer(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'rules.yaml'), rules);
  await run.start(
    buildRouter(
      parseRouterEnv(run.settings({ HERALD_RULES_FILE: join(dir, 'rules.yaml') })),
      silentLogger,
    ),
  );
  producer = kafka.producer();
  run.defer(() => producer.disconnect());
  await producer.connect();
  observer = kafka.consumer({ groupId: `${prefix}observer` });
  run.defer(() => observer.disconnect());
  await observer.connect();
  await observer.subscribe({
    topics: [topics.status, topics.deliveries('email')],
    fromBeginning: true,
  });
  await observer.run({
    eachMessage: async ({ topic, message }) => {
      const value = JSON.parse(message.value!.toString()) as Record<string, never>;
      if (topic === topics.status) statuses.push(value as unknown as StatusEvent);
      else {
        const job = value as unknown as {
          event: { id: string };
          recipient: { address: string; ref: string };
        };
        jobs.push({ eventId: job.event.id, ...job.recipient });
      }
    },
  });
}, 60_000);

afterAll(() => run.stop(), 60_000);

it('refuses invalid event addresses for good with HERALD_ERR_ADDRESS_INVALID and plans valid ones normalised', async () => {
  const bad: [CloudEvent, string][] = [
    [signup('eve@x.test, victim1@x.test, victim2@x.test'), 'holds a list'],
    [signup('eve@x.test\r\nBcc: victim@x.test'), 'contains a line break'],
    [signup('a@b@x.test'), 'has more than one "@"'],
    [signup('not-an-email'), 'has no "@"'],
  ];
  const good = signup('  Ada@Example.TEST ');
  await producer.send({
    topic: topics.events,
    acks: -1,
    messages: [...bad.map(([e]) => e), good].map((e) => ({ key: e.id, value: JSON.stringify(e) })),
  });
  const ofEvent = (e: CloudEvent) => statuses.filter((s) => s.data.eventId === e.id);
  await waitFor('a status for every event', () =>
    [...bad.map(([e]) => e), good].every((e) => ofEvent(e).length > 0),
  );

  for (const [event, problem] of bad) {
    const [status, ...more] = ofEvent(event);
    expect(more).toEqual([]);
    expectValidStatusEvent(status);
    expect(status!.data).toMatchObject({
      state: 'suppressed',
      channel: 'email',
      retryable: false,
      recipientRef: expect.stringMatching(/^invalid-address:[0-9a-f]{8}$/),
    });
    expect(status!.data.reason).toMatch(
      /^invalid_address: HERALD_ERR_ADDRESS_INVALID: email address is invalid: /,
    );
    expect(status!.data.reason).toContain(problem);
    // Neither the ref nor the reason carries the raw address.
    expect(JSON.stringify(status)).not.toContain('victim');
  }
  const [queued] = ofEvent(good);
  // Known by a hash of its normalised address, never the address itself.
  expect(queued!.data).toMatchObject({
    state: 'queued',
    recipientRef: addressRef('email', 'Ada@example.test'),
  });
  await waitFor('the valid job', () => jobs.some((j) => j.eventId === good.id));
  // Only the valid address became a delivery job, with its domain lower-cased and trimmed.
  expect(jobs).toEqual([
    { eventId: good.id, ref: addressRef('email', 'Ada@example.test'), address: 'Ada@example.test' },
  ]);
}, 60_000);
