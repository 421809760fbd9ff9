/**
 * Address states end to end, shared by the APNs and the Web Push test files (one push
 * provider per worker, so one file each): the router plans from Postgres recipients, the
 * worker sends to the provider's local server from settings, the auditor records every
 * status. The server refuses a token/subscription (410) → the worker marks the address
 * (migrations/0009) → the next event for that recipient is suppressed by the router with
 * `address_invalid`, and a job planned anyway (an inline recipient the router cannot look
 * up) is suppressed by the worker; no further request reaches the server.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAuditor, parseAuditorEnv } from '@herald/auditor';
import { deterministicId, silentLogger, topicNames, type StatusEvent } from '@herald/core';
import { buildRouter, parseRouterEnv } from '@herald/router';
import {
  AddressStateStore,
  createDatabase,
  migrateToLatest,
  RecipientStore,
  TemplateStore,
  type HeraldDatabase,
} from '@herald/store';
import { readTopics, testRun, waitFor, type TopicReader } from '@herald/testkit';
import { buildWorker, parseWorkerEnv } from '@herald/worker';
import { sql, type Kysely } from 'kysely';

/** One provider's local server as the harness drives it. */
export interface PushTarget {
  /** Worker settings selecting and configuring the provider against the server. */
  readonly settings: Record<string, string>;
  /** The recipient's push address (device token or subscription JSON). */
  readonly address: string;
  /** Requests the server received (accepted or refused). */
  requestCount(): number;
  /** From now on, refuse every request as the address being gone (410). */
  refuseAsGone(): void;
  close(): Promise<void>;
}

export interface AddressStateRun {
  readonly db: Kysely<HeraldDatabase>;
  readonly statuses: TopicReader<StatusEvent>;
  readonly target: PushTarget;
  /** Produces an `order.shipped` event for `alice` (stored) or for an inline address. */
  send(id: string, inline?: string): Promise<string>;
  /** The notification id of event `id`'s push job to `ref`. */
  notificationOf(eventId: string, ruleId: string, ref: string): string;
  stop(): Promise<void>;
}

export async function startAddressStateRun(
  name: string,
  makeTarget: () => Promise<PushTarget>,
): Promise<AddressStateRun> {
  const run = testRun(name);
  const { kafka, prefix } = run;
  const topics = topicNames(prefix);
  const target = await makeTarget();
  run.defer(() => target.close());
  const { url } = await run.database();
  const db = createDatabase({ url, poolSize: 2, logger: silentLogger });
  run.defer(() => db.destroy());
  await migrateToLatest(db);
  await new TemplateStore(db).apply(
    {
      templates: [
        {
          id: 'shipped',
          channel: 'push',
          locale: 'default',
          parts: { title: 'Shipped', body: 'Order {{order}} is on its way' },
        },
      ],
    },
    { actor: 'e2e' },
  );
  await new RecipientStore(db).upsert({
    tenant: 'acme',
    id: 'alice',
    addresses: { push: target.address },
  });
  const dir = await mkdtemp(join(tmpdir(), 'herald-address-state-'));
  run.defer(() => rm(dir, { recursive: true, force: true }));
  const rulesFile = join(dir, 'rules.yaml');
  await writeFile(
    rulesFile,
    [
      'rules:',
      '  - id: stored',
      '    when: event.type == "order.shipped" && !has(event.data.token)',
      '    recipients: \'["alice"]\'',
      '    channels: [{ type: push, template: shipped }]',
      '  - id: inline',
      '    when: event.type == "order.shipped" && has(event.data.token)',
      '    recipients: \'[{"id": "inline-user", "push": event.data.token}]\'',
      '    channels: [{ type: push, template: shipped }]',
      '',
    ].join('\n'),
  );
  const common = run.settings({ HERALD_SHUTDOWN_TIMEOUT_MS: '5000' });
  await run.start(buildAuditor(parseAuditorEnv(common), silentLogger));
  await run.start(
    buildWorker(
      parseWorkerEnv({ ...common, HERALD_WORKER_CHANNELS: 'push', ...target.settings }),
      silentLogger,
    ),
  );
  await run.start(
    buildRouter(
      parseRouterEnv({
        ...common,
        HERALD_RULES_FILE: rulesFile,
        // Recipients are re-read at once, so the second event sees the mark.
        HERALD_RECIPIENT_CACHE_TTL_MS: '1',
      }),
      silentLogger,
    ),
  );
  const statuses = await readTopics<StatusEvent>(kafka, {
    groupId: `${prefix}statuses`,
    topics: [topics.status],
  });
  run.defer(() => statuses.stop());
  const producer = kafka.producer();
  await producer.connect();
  run.defer(() => producer.disconnect());
  return {
    db,
    statuses,
    target,
    async send(id, inline) {
      await producer.send({
        topic: topics.events,
        messages: [
          {
            key: id,
            value: JSON.stringify({
              specversion: '1.0',
              id,
              source: 'shop',
              type: 'order.shipped',
              tenantid: 'acme',
              time: '2026-11-22T10:00:00Z',
              data: { order: id, ...(inline === undefined ? {} : { token: inline }) },
            }),
          },
        ],
      });
      return id;
    },
    notificationOf: (eventId, ruleId, ref) => deterministicId(eventId, ruleId, ref, 'push'),
    stop: () => run.stop(),
  };
}

/** The statuses of one notification on herald.status, in order. */
export function statesOf(h: AddressStateRun, notificationId: string): StatusEvent[] {
  return h.statuses.statuses.filter((s) => s.data.notificationId === notificationId);
}

/** The audit rows (state, reason, provider message) of one notification. */
export async function auditRows(h: AddressStateRun, notificationId: string) {
  const { rows } = await sql<{
    state: string;
    reason: string | null;
    provider_message: string | null;
  }>`
    select state, reason, provider_message from status_events
    where notification_id = ${notificationId} order by occurred_at, state`.execute(h.db);
  return rows;
}

/**
 * The scenario both providers pass: refused once → marked; the next event to the stored
 * recipient is suppressed by the router, one to the same address inline by the worker.
 */
export async function provesAddressState(h: AddressStateRun, expectedReason: RegExp) {
  h.target.refuseAsGone();
  const first = h.notificationOf(await h.send('evt-1'), 'stored', 'alice');
  await waitFor(
    'the refused job dead-lettered',
    () => statesOf(h, first).some((s) => s.data.state === 'dead_lettered'),
    60_000,
  );
  expect(h.target.requestCount()).toBe(1);
  const mark = await waitFor('the address marked invalid', () =>
    new AddressStateStore(h.db).find('acme', 'push', h.target.address),
  );
  expect(mark).toMatchObject({ state: 'invalid', notificationId: first });
  expect(mark.reason).toMatch(expectedReason);

  // The router reads the mark with the recipient: suppressed, never queued.
  const second = h.notificationOf(await h.send('evt-2'), 'stored', 'alice');
  const suppressed = await waitFor('the second job suppressed', () =>
    statesOf(h, second).find((s) => s.data.state === 'suppressed'),
  );
  expect(suppressed.data.reason).toBe('address_invalid');
  expect(suppressed.source).toBe('herald/router');
  expect(statesOf(h, second).map((s) => s.data.state)).toEqual(['suppressed']);

  // An inline recipient with the same address: planned (the router has no stored
  // recipient to read a mark from), then suppressed by the worker before sending.
  const third = h.notificationOf(await h.send('evt-3', h.target.address), 'inline', 'inline-user');
  const byWorker = await waitFor('the inline job suppressed by the worker', () =>
    statesOf(h, third).find((s) => s.data.state === 'suppressed'),
  );
  expect(byWorker.data.reason).toBe('address_invalid');
  expect(byWorker.data.provider?.message).toMatch(expectedReason);
  expect(statesOf(h, third).map((s) => s.data.state)).toEqual(['queued', 'suppressed']);
  expect(h.target.requestCount()).toBe(1);

  // The auditor recorded the reasons.
  const audited = await waitFor('the audit rows', async () => {
    const rows = [...(await auditRows(h, second)), ...(await auditRows(h, third))];
    return rows.filter((r) => r.state === 'suppressed').length === 2 ? rows : undefined;
  });
  expect(audited.filter((r) => r.state === 'suppressed')).toEqual([
    { state: 'suppressed', reason: 'address_invalid', provider_message: null },
    {
      state: 'suppressed',
      reason: 'address_invalid',
      provider_message: expect.stringMatching(expectedReason),
    },
  ]);
}
