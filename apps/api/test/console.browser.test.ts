/**
 * The web console in a real headless Chromium (Debian's chromium, installed by
 * scripts/chromium.sh, found by testkit's chromiumPath, driven by playwright-core)
 * against a real api on port 0 and the run's Kafka topics, database and Redis: sign in
 * (and a wrong key refused with the API's detail), find a notification written by the
 * audit store and open its timeline, replay a dead letter from the run's herald.dlq,
 * roll a rule back. Screenshots go to docs/images/console-*.png.
 */
import { chromium, type Browser } from 'playwright-core';
import { deterministicId, statusEventFor, topicNames, type DeliveryJob } from '@herald/core';
import { deliveryLaneTopics, ensureTopics } from '@herald/kafka';
import { AuditStore } from '@herald/store';
import {
  chromiumPath,
  readTopics,
  screenshotDir,
  testRun,
  waitFor,
  type TopicReader,
} from '@herald/testkit';
import { consoleDir } from '../src/console.js';
import { consoleJob, produceDeadLetters, signedIn as openSignedIn } from './console-fixtures.js';
import { startV1, type V1Harness } from './v1/v1-harness.js';

const run = testRun('api-console');
const topics = topicNames(run.prefix);
// docs/images/ with HERALD_UPDATE_SCREENSHOTS=1, else a temporary folder.
const images = screenshotDir();
const FAILED = deterministicId('console', 'failed');
const DEAD = deterministicId('console', 'dead');
let h: V1Harness;
let admin: string;
let browser: Browser;
let reader: TopicReader;

const rules = (template: string) =>
  `rules:\n  - id: acme.shipped\n    tenant: acme\n    types: [order.shipped]\n    recipients: [alice]\n    channels: [{ type: email, template: ${template} }]\n`;

beforeAll(async () => {
  if (!consoleDir()) throw new Error('apps/console is not built: run `npm run build` first');
  h = await startV1(run);
  admin = await h.key('acme', ['admin'], 'console');
  await ensureTopics(
    run.kafka,
    deliveryLaneTopics(topics, 'webhook')
      .slice(1)
      .map((topic) => ({ topic, partitions: 1, replicationFactor: 1 })),
  );

  // A failed notification as the auditor writes it (status events through AuditStore).
  const at = new Date('2030-01-01T00:00:01Z');
  const failed = consoleJob(FAILED, 'alice', 'email');
  await new AuditStore(h.db).write([
    statusEventFor(failed, 'queued', 'herald/router', at),
    statusEventFor(failed, 'failed', 'herald/worker', new Date('2030-01-01T00:00:02Z'), {
      reason: 'mailbox unavailable',
      provider: { statusCode: 550 },
    }),
  ]);

  // A dead letter of acme on the run's herald.dlq, as a worker writes it.
  await produceDeadLetters(run, topics, [
    { id: DEAD, recipient: 'bob', reason: 'retries exhausted: 503' },
  ]);
  reader = await readTopics(run.kafka, {
    groupId: `${run.prefix}reader`,
    topics: [topics.deliveries('webhook')],
  });
  run.defer(() => reader.stop());

  // Two versions of a template, and a recipient with an address and a preference.
  for (const text of ['Order {{order}} shipped', 'Your order {{order}} is on its way'])
    expect(
      (
        await h.call(admin, 'POST', '/v1/templates', {
          templates: [
            { id: 'acme.shipped', channel: 'sms', parts: { text }, sample: { order: 'A-1' } },
          ],
        })
      ).status,
    ).toBe(200);
  expect(
    (
      await h.call(admin, 'PUT', '/v1/recipients', {
        recipients: [
          {
            id: 'alice',
            addresses: { email: 'alice@example.com' },
            preferences: { channels: { sms: false } },
          },
        ],
      })
    ).status,
  ).toBe(200);

  // Two applied versions of the tenant's rules.
  for (const template of ['order', 'order-v2'])
    expect((await h.call(admin, 'POST', '/v1/rules', { source: rules(template) })).status).toBe(
      200,
    );

  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  run.defer(() => browser.close());
}, 120_000);

afterAll(() => run.stop());

const signedIn = () => openSignedIn(browser, h.api.url, admin);

it('refuses a wrong key with the API problem detail and keeps no key', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 560 } });
  await page.goto(`${h.api.url}/console/`);
  await page.fill('input[name=key]', 'hk_nope_notasecret');
  await page.click('button[type=submit]');
  const error = await page.waitForSelector('[role=alert]');
  expect(await error.textContent()).toMatch(/^401 .*HERALD_ERR_API_UNAUTHORIZED/);
  expect(await page.evaluate('sessionStorage.length')).toBe(0);
  await page.screenshot({ path: `${images}console-signin-error.png` });
  await page.close();
}, 60_000);

it('signs in, finds a notification by recipient and shows its timeline', async () => {
  const page = await signedIn();
  // The key is in sessionStorage only, and the page shows its prefix, never the secret.
  expect(await page.evaluate("sessionStorage.getItem('herald.console.key')")).toBe(admin);
  // The secret is base64url and may itself contain "_": take all after "hk_<id>_".
  const secret = /^hk_[a-z0-9]+_(.+)$/.exec(admin)![1]!;
  expect(await page.content()).not.toContain(secret);
  await page.fill('input[name=recipient]', 'alice');
  await page.click('text=Search');
  await page.click(`a[href="#/notifications/${FAILED}"]`);
  await page.waitForSelector('.timeline li >> nth=1');
  const timeline = await page.locator('.timeline').textContent();
  expect(timeline).toMatch(/queued.*failed.*mailbox unavailable/s);
  await page.screenshot({ path: `${images}console-notification.png`, fullPage: true });
  await page.goto(`${h.api.url}/console/#/deliveries`);
  await page.waitForSelector(`a[href="#/notifications/${FAILED}"]`);
  await page.screenshot({ path: `${images}console-deliveries.png` });
  await page.close();
}, 60_000);

it('replays a dead letter: a dry run first, then the job is back on its lane', async () => {
  const page = await signedIn();
  await page.click('text=Dead letters');
  const row = page.locator(`tr[data-notification="${DEAD}"]`);
  await row.locator('text=Dry run').click();
  expect(await page.locator('[role=status]').textContent()).toContain(
    'Dry run: 1 would be replayed',
  );
  await row.locator('button:text-is("Replay")').click();
  await page.waitForSelector('text=Replayed 1');
  await page.waitForSelector(`tr[data-notification="${DEAD}"] .replayed`);
  await page.screenshot({ path: `${images}console-dead-letters.png` });
  const replayed = await waitFor('the replayed job on its lane', () =>
    reader.records.find(
      (r) =>
        r.topic === topics.deliveries('webhook') &&
        (JSON.parse(r.value.toString()) as DeliveryJob).notificationId === DEAD,
    ),
  );
  expect(replayed).toBeDefined();
  await page.close();
}, 60_000);

it('rolls a rule back to the older version; the list shows it', async () => {
  const page = await signedIn();
  await page.click('text=Rules');
  const list = page.locator('[data-testid=rules]');
  await page.waitForSelector('[data-testid=rules] >> text=order-v2');
  await page.click('text=Roll back to v1');
  await page.click('text=Confirm rollback to v1');
  await page.waitForSelector('text=Rolled back: version 3');
  await page.waitForSelector('[data-testid=rules] >> text=order-v2', { state: 'detached' });
  const text = await list.textContent();
  expect(text).toContain('"template":"order"');
  expect(text).not.toContain('order-v2');
  await page.click('[data-version="2"] >> text=Diff with current');
  await page.waitForSelector('[data-testid=diff]');
  await page.screenshot({ path: `${images}console-rules.png`, fullPage: true });
  await page.close();
}, 60_000);

it('shows a template’s versions with a diff and rolls one back', async () => {
  const page = await signedIn();
  await page.click('nav >> text=Templates');
  await page.click('a[href="#/templates/acme.shipped"]');
  const diff = page.locator('[data-testid=diff]');
  await diff.waitFor();
  expect(await diff.locator('.del').textContent()).toContain('Order {{order}} shipped');
  expect(await diff.locator('.add').textContent()).toContain('Your order {{order}} is on its way');
  await page.screenshot({ path: `${images}console-templates.png`, fullPage: true });
  // Roll back to v1: a dry run shows what would be saved, the confirmation saves v3.
  await page.click('text=Roll back to v1');
  await page.waitForSelector('text=Rolling back to v1 saves: sms default → v3');
  await page.click('text=Confirm rollback to v1');
  await page.waitForSelector('text=Rolled back to v1');
  await page.waitForSelector('td >> text=v3');
  const versions = await h.call(admin, 'GET', '/v1/templates/acme.shipped/versions');
  expect(versions.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2, 3]);
  expect(versions.body.versions[2].parts).toEqual({ text: 'Order {{order}} shipped' });
  await page.close();
}, 60_000);

it('edits a recipient’s preferences', async () => {
  const page = await signedIn();
  await page.goto(`${h.api.url}/console/#/recipients/alice`);
  const editor = page.locator('textarea');
  // Polled from here: the page's CSP refuses the eval a waitForFunction string needs.
  await waitFor('alice loaded in the editor', async () =>
    (await editor.inputValue()).includes('alice@') ? true : undefined,
  );
  const draft = JSON.parse(await editor.inputValue()) as { preferences: object };
  expect(draft.preferences).toEqual({ channels: { sms: false } });
  await editor.fill(
    JSON.stringify({ ...draft, preferences: { channels: { sms: true, email: false } } }),
  );
  await page.click('text=Save');
  await page.waitForSelector('text=Saved.');
  const stored = await h.call(admin, 'GET', '/v1/recipients/alice');
  expect(stored.body).toMatchObject({
    addresses: { email: 'alice@example.com' },
    preferences: { channels: { sms: true, email: false } },
  });
  // A refused save shows the API's problem with the field it names.
  await editor.fill(JSON.stringify({ addresses: { email: 'not an address' } }));
  await page.click('text=Save');
  expect(await page.locator('[role=alert]').textContent()).toContain(
    'HERALD_ERR_RECIPIENT_INVALID',
  );
  await page.screenshot({ path: `${images}console-recipient.png`, fullPage: true });
  await page.close();
}, 60_000);

it('polls the live status', async () => {
  const page = await signedIn();
  await page.click('text=Status');
  await page.waitForSelector('text=Consumer lag');
  expect(await page.locator('text=postgres up').count()).toBe(1);
  await page.screenshot({ path: `${images}console-status.png`, fullPage: true });
  await page.close();
}, 60_000);
