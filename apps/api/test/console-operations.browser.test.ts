/**
 * The console's operation screens in a real headless Chromium (as console.browser.test.ts:
 * Debian's chromium through playwright-core) against a real api on port 0 and the run's
 * Kafka topics, database and Redis, asserting the real effects: topics and rate-limit
 * policies in Postgres, a test send reaching a local webhook server, a published event
 * on herald.events, a replay by filter re-producing the matching jobs (and only them).
 * Screenshots go to docs/images/console-*.png with HERALD_UPDATE_SCREENSHOTS=1.
 */
import { chromium, type Browser } from 'playwright-core';
import { sql } from 'kysely';
import { deterministicId, topicNames, type DeliveryJob } from '@herald/core';
import { deliveryLaneTopics, ensureTopics } from '@herald/kafka';
import {
  chromiumPath,
  readTopics,
  screenshotDir,
  startReceiver,
  testRun,
  waitFor,
  type Receiver,
  type TopicReader,
} from '@herald/testkit';
import { consoleDir } from '../src/console.js';
import { produceDeadLetters, signedIn } from './console-fixtures.js';
import { startV1, type V1Harness } from './v1/v1-harness.js';

const run = testRun('api-console-ops');
const topics = topicNames(run.prefix);
const images = screenshotDir();
const WEBHOOK_SECRET = `whsec_${Buffer.from('console-test-send-signing-key-32').toString('base64')}`;
const D503A = deterministicId('console2', '503-a');
const D503B = deterministicId('console2', '503-b');
const D410 = deterministicId('console2', '410');
let h: V1Harness;
let admin: string;
let browser: Browser;
let reader: TopicReader;
let receiver: Receiver;

beforeAll(async () => {
  if (!consoleDir()) throw new Error('apps/console is not built: run `npm run build` first');
  receiver = await startReceiver();
  run.defer(() => receiver.close());
  h = await startV1(run, {
    HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_WEBHOOK_SECRETS: JSON.stringify({ default: WEBHOOK_SECRET }),
  });
  admin = await h.key('acme', ['admin'], 'console');
  await ensureTopics(
    run.kafka,
    deliveryLaneTopics(topics, 'webhook')
      .slice(1)
      .map((topic) => ({ topic, partitions: 1, replicationFactor: 1 })),
  );
  await produceDeadLetters(run, topics, [
    { id: D503A, recipient: 'alice', reason: 'retries exhausted: 503' },
    { id: D503B, recipient: 'bob', reason: 'retries exhausted: 503' },
    { id: D410, recipient: 'carol', reason: 'endpoint gone: 410' },
  ]);
  reader = await readTopics(run.kafka, {
    groupId: `${run.prefix}reader`,
    topics: [topics.events, topics.deliveries('webhook')],
  });
  run.defer(() => reader.stop());
  expect(
    (
      await h.call(admin, 'PUT', '/v1/recipients', {
        recipients: ['alice', 'bob'].map((id) => ({
          id,
          addresses: { email: `${id}@example.com` },
        })),
      })
    ).status,
  ).toBe(200);
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  run.defer(() => browser.close());
}, 120_000);

afterAll(() => run.stop());

it('creates a topic, adds and removes subscribers, deletes it', async () => {
  const page = await signedIn(browser, h.api.url, admin);
  await page.click('nav >> text=Topics');
  await page.waitForSelector('text=No topics yet.');
  // A subscriber that is not a recipient of the tenant is refused with the API's code.
  await page.fill('input[name=topic]', 'on-call');
  await page.fill('input[name=subscribers]', 'alice, zed');
  await page.click('text=Create topic');
  expect(await page.locator('[role=alert]').textContent()).toContain(
    'HERALD_ERR_RECIPIENT_INVALID',
  );
  await page.fill('input[name=subscribers]', 'alice');
  await page.click('text=Create topic');
  await page.waitForSelector('text=Created topic on-call with 1 subscriber(s).');
  await page.waitForSelector('[data-subscriber=alice]');
  await page.fill('input[name=add]', 'bob');
  await page.click('button:text-is("Add")');
  await page.waitForSelector('[data-subscriber=bob]');
  expect((await h.call(admin, 'GET', '/v1/topics/on-call/subscribers')).body.subscribers).toEqual([
    'alice',
    'bob',
  ]);
  await page.click('[data-subscriber=alice] >> text=Remove');
  await page.waitForSelector('[data-subscriber=alice]', { state: 'detached' });
  await page.waitForSelector('tr[data-topic=on-call] >> td:text-is("1")');
  const { rows } = await sql<{ recipient_id: string }>`
    select recipient_id from topic_subscribers where tenant = 'acme' and topic = 'on-call'`.execute(
    h.db,
  );
  expect(rows).toEqual([{ recipient_id: 'bob' }]);
  await page.screenshot({ path: `${images}console-topics.png`, fullPage: true });
  await page.click('tr[data-topic=on-call] >> text=Delete');
  await page.waitForSelector('text=Deleted topic on-call.');
  await page.waitForSelector('tr[data-topic=on-call]', { state: 'detached' });
  expect((await h.call(admin, 'GET', '/v1/topics')).body.topics).toEqual([]);
  // Removing the last subscriber ends the topic: the screen goes back to the list.
  await page.fill('input[name=topic]', 'night');
  await page.fill('input[name=subscribers]', 'bob');
  await page.click('text=Create topic');
  await page.click('[data-subscriber=bob] >> text=Remove');
  await page.waitForSelector('[data-testid=subscribers]', { state: 'detached' });
  await page.waitForSelector('text=No topics yet.');
  expect(await page.locator('[role=alert]').count()).toBe(0);
  await page.close();
}, 60_000);

it('creates, updates and deletes a rate-limit policy; Postgres holds it pinned to the tenant', async () => {
  const page = await signedIn(browser, h.api.url, admin);
  await page.click('nav >> text=Rate limits');
  await page.waitForSelector('text=No rate-limit policies yet.');
  // The channel list comes from the API's OpenAPI document.
  await page.waitForSelector('select[name=channel] >> option[value=sms]', { state: 'attached' });
  await page.fill('input[name=id]', 'sms-per-user');
  await page.selectOption('select[name=scope]', 'recipient');
  await page.fill('input[name=limit]', '3');
  await page.fill('input[name=periodMs]', '3600000');
  await page.selectOption('select[name=channel]', 'sms');
  await page.fill('input[name=description]', 'no more than 3 texts an hour');
  await page.click('text=Save policy');
  await page.waitForSelector('text=Saved policy sms-per-user: 3 per 1 h per recipient.');
  await page.waitForSelector('tr[data-policy=sms-per-user]');
  const stored = () =>
    sql<{ tenant: string; limit: number; period_ms: string; channel: string; bypass: boolean }>`
      select tenant, "limit", period_ms, channel, bypass_critical as bypass
      from rate_limit_policies where id = 'acme.sms-per-user'`.execute(h.db);
  expect((await stored()).rows).toEqual([
    { tenant: 'acme', limit: 3, period_ms: '3600000', channel: 'sms', bypass: true },
  ]);
  // Edit: the form takes the row; saving replaces it.
  await page.click('tr[data-policy=sms-per-user] >> text=Edit');
  await page.fill('input[name=limit]', '5');
  await page.uncheck('input[name=bypassCritical]');
  await page.click('text=Save policy');
  await page.waitForSelector('text=Saved policy sms-per-user: 5 per 1 h per recipient.');
  expect((await stored()).rows).toEqual([
    { tenant: 'acme', limit: 5, period_ms: '3600000', channel: 'sms', bypass: false },
  ]);
  await page.waitForSelector('tr[data-policy=sms-per-user] >> text=limited');
  await page.screenshot({ path: `${images}console-rate-limits.png`, fullPage: true });
  // A refused id shows the API's problem; nothing is stored.
  await page.fill('input[name=id]', 'bad id');
  await page.click('text=Save policy');
  expect(await page.locator('[role=alert]').textContent()).toContain('validation_failed');
  await page.click('tr[data-policy=sms-per-user] >> text=Delete');
  await page.waitForSelector('text=Deleted policy sms-per-user.');
  expect((await stored()).rows).toEqual([]);
  await page.close();
}, 60_000);

it('sends a test message through the real webhook provider and shows its answer', async () => {
  receiver.respondWith(204);
  const page = await signedIn(browser, h.api.url, admin);
  await page.click('nav >> text=Test send');
  await page.waitForSelector('select[name=channel] >> option[value=webhook]', {
    state: 'attached',
  });
  await page.selectOption('select[name=channel]', 'webhook');
  await page.fill('input[name=to]', `${receiver.url}/hooks/orders`);
  await page.fill('textarea[name=content]', '{"body": {"order": "{{order}}"}}');
  await page.fill('textarea[name=data]', '{"order": "A-7"}');
  await page.click('text=Send test');
  const answer = page.locator('[data-testid=answer]');
  await answer.waitFor();
  expect(await answer.textContent()).toMatch(/Sent by webhook.*HTTP status204/s);
  const request = receiver.requests.at(-1)!;
  expect(request.path).toBe('/hooks/orders');
  expect(JSON.parse(request.body)).toEqual({ order: 'A-7' });
  expect(request.headers['webhook-signature']).toMatch(/^v1,/);
  await page.screenshot({ path: `${images}console-test-send.png`, fullPage: true });
  // The provider's refusal is an answer too, with its class.
  receiver.respondWith(410);
  await page.click('text=Send test');
  await page.waitForSelector('text=Refused by webhook');
  expect(await answer.textContent()).toContain('HTTP status410');
  expect(await page.content()).not.toContain(WEBHOOK_SECRET);
  await page.close();
}, 60_000);

it('publishes an edited CloudEvent to herald.events and shows each event’s verdict', async () => {
  const page = await signedIn(browser, h.api.url, admin);
  await page.click('nav >> text=Publish');
  const event = (id: string, type = 'order.shipped') => ({
    specversion: '1.0',
    id,
    source: '/console-test',
    type,
    data: { order: 'A-9' },
  });
  const id = `${run.prefix}evt-1`;
  await page.fill('textarea[name=event]', JSON.stringify(event(id), null, 2));
  await page.click('button:text-is("Publish")');
  await page.waitForSelector('text=1 accepted, 0 rejected');
  const record = await waitFor('the event on herald.events', () =>
    reader.records.find((r) => r.topic === topics.events && r.key === id),
  );
  expect(JSON.parse(record.value.toString())).toMatchObject({ id, tenantid: 'acme' });

  // A batch: one accepted, one rejected with the router's code.
  await page.fill(
    'textarea[name=event]',
    JSON.stringify([event(`${run.prefix}evt-2`), event(`${run.prefix}evt-3`, '')]),
  );
  await page.click('button:text-is("Publish")');
  await page.waitForSelector('text=1 accepted, 1 rejected');
  expect(await page.locator('tr[data-index="1"]').textContent()).toContain(
    'HERALD_ERR_EVENT_INVALID',
  );
  await page.screenshot({ path: `${images}console-publish.png`, fullPage: true });
  // None accepted: the problem and still each event's verdict.
  await page.fill('textarea[name=event]', JSON.stringify([event(`${run.prefix}evt-4`, '')]));
  await page.click('button:text-is("Publish")');
  await page.waitForSelector('text=0 accepted, 1 rejected');
  expect(await page.locator('[role=alert]').textContent()).toMatch(
    /^400 .*HERALD_ERR_EVENT_INVALID/,
  );
  await waitFor('the batch’s accepted event', () =>
    reader.records.find((r) => r.topic === topics.events && r.key === `${run.prefix}evt-2`),
  );
  const published = reader.records.filter((r) => r.topic === topics.events).map((r) => r.key);
  expect(published).not.toContain(`${run.prefix}evt-3`);
  expect(published).not.toContain(`${run.prefix}evt-4`);
  await page.close();
}, 60_000);

it('replays dead letters by filter: the dry run lists them, the replay re-produces only them', async () => {
  const page = await signedIn(browser, h.api.url, admin);
  await page.click('nav >> text=Dead letters');
  await page.waitForSelector(`tr[data-notification="${D410}"]`);
  await page.fill('input[name=reason]', '503');
  await page.press('input[name=reason]', 'Tab');
  await page.waitForSelector(`tr[data-notification="${D410}"]`, { state: 'detached' });
  await page.click('text=Dry run: replay matching');
  const plan = page.locator('[data-testid=replay-plan]');
  await plan.waitFor();
  const planned = await plan.textContent();
  expect(planned).toContain('2 dead letter(s) match the filter and would be replayed');
  expect(planned).toContain(D503A);
  expect(planned).toContain(D503B);
  expect(planned).not.toContain(D410);
  await page.screenshot({ path: `${images}console-dead-letters-replay.png`, fullPage: true });
  // The dry run produced nothing.
  const jobs = () =>
    reader.records
      .filter((r) => r.topic === topics.deliveries('webhook'))
      .map((r) => (JSON.parse(r.value.toString()) as DeliveryJob).notificationId);
  expect(jobs()).toEqual([]);
  await page.click('text=Replay 2 matching');
  await page.waitForSelector('text=Replayed 2');
  await waitFor('both replayed jobs on their lane', () => (jobs().length >= 2 ? true : undefined));
  expect(jobs().sort()).toEqual([D503A, D503B].sort());
  await page.waitForSelector(`tr[data-notification="${D503A}"] .replayed`);
  await page.close();
}, 60_000);
