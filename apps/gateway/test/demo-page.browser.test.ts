/**
 * The demo inbox page in a real headless Chromium (Debian's `chromium`, installed by
 * scripts/chromium.sh, driven by playwright-core) against the gateway on the real
 * stack: a new message appears without a reload, the badge changes, a progress bar
 * moves, and the read state survives a reload. Screenshots go to docs/images/.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { chromium, type Browser } from 'playwright-core';
import { silentLogger } from '@herald/core';
import { InboxFanout, InboxStore } from '@herald/inbox';
import { createDatabase, migrateToLatest } from '@herald/store';
import { issueSubscriberToken } from '@herald/subscriber-auth';
import { chromiumPath, stackEnv, testRun, type TestRun } from '@herald/testkit';
import { parseGatewayEnv } from '../src/env.js';
import type { Gateway } from '../src/gateway.js';
import { createInboxGateway } from '../src/inbox-gateway.js';

const images = fileURLToPath(new URL('../../../docs/images/', import.meta.url));
let run: TestRun;
let store: InboxStore;
let fanout: InboxFanout;
let gateway: Gateway;
let browser: Browser;
let env: ReturnType<typeof parseGatewayEnv>;

/** What the worker's inapp channel does: append, then publish. */
async function deliver(
  title: string,
  body: string,
  extra: { collapseKey?: string; data?: unknown } = {},
) {
  const result = await store.append({
    tenant: 'acme',
    subscriber: 'alice',
    notificationId: randomUUID(),
    title,
    body,
    ...extra,
    event: { id: randomUUID(), type: 'task.progress', time: new Date().toISOString() },
    rule: { id: 'tasks', version: 1 },
    attempt: 1,
  });
  await fanout.publish({
    tenant: 'acme',
    subscriber: 'alice',
    seq: result.seq,
    kind: 'message',
    message: result.message,
  });
}

beforeAll(async () => {
  run = testRun('gateway-browser');
  const database = await run.database();
  const db = createDatabase({ url: database.url, poolSize: 4, logger: silentLogger });
  run.defer(() => db.destroy());
  await migrateToLatest(db);
  store = new InboxStore(db);
  const redis = new Redis(stackEnv().REDIS_URL);
  run.defer(() => redis.disconnect());
  fanout = new InboxFanout({ publisher: redis, keyPrefix: run.prefix });
  env = parseGatewayEnv(
    run.settings({
      REDIS_URL: stackEnv().REDIS_URL,
      HERALD_GATEWAY_TENANT_SECRETS: JSON.stringify({
        acme: 'browser-test-secret-0123456789abcdef',
      }),
      HERALD_GATEWAY_HOST: '127.0.0.1',
      HERALD_GATEWAY_PORT: '0',
      HERALD_GATEWAY_COUNTS_DEBOUNCE_MS: '20',
    }),
  );
  gateway = await run.start(createInboxGateway(env, silentLogger));
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  run.defer(() => browser.close());
});

afterAll(async () => {
  await run.stop();
});

it.each(['sse', 'ws'])(
  'shows new messages live (%s), moves the progress bar, and keeps read state over a reload',
  async (transport) => {
    if (transport === 'sse') await deliver('Welcome', 'Your inbox is live.');
    const token = await issueSubscriberToken(env.tenantSecrets, {
      tenant: 'acme',
      subscriber: 'alice',
    });
    const page = await browser.newPage({ viewport: { width: 760, height: 560 } });
    await page.goto(`${gateway.url}/demo?token=${token}&transport=${transport}`);
    await page.waitForSelector('body[data-status="live"]');
    const badge = page.locator('#badge');
    const unreadBefore = Number(await badge.textContent());
    const items = page.locator('#list li');
    const countBefore = await items.count();

    // A new message: it appears at the top without a reload, the badge goes up.
    await deliver(`Invoice ${transport}`, 'Invoice #42 is ready.');
    await page.waitForFunction(
      (n) => document.querySelectorAll('#list li').length === n,
      countBefore + 1,
    );
    await page.waitForFunction(
      (n) => document.getElementById('badge')!.textContent === String(n),
      unreadBefore + 1,
    );
    expect(await items.first().locator('h3').textContent()).toBe(`Invoice ${transport}`);

    // A running task: updates with one collapse key move one progress bar.
    const task = `task-${transport}`;
    const barsBefore = await page.locator('progress').count();
    for (const percent of [20, 60]) {
      await deliver('Export', `rows ${percent * 100}/10000`, {
        collapseKey: task,
        data: { percent },
      });
    }
    await page.waitForSelector('progress[data-percent="60"]');
    expect(await page.locator('progress').count()).toBe(barsBefore + 1);
    if (transport === 'sse') await page.screenshot({ path: `${images}inbox-demo-progress.png` });

    // Mark the invoice read: the badge goes down, and after a reload it still is.
    const unreadNow = Number(await badge.textContent());
    await page
      .locator('#list li', { hasText: `Invoice ${transport}` })
      .locator('button.mark')
      .click();
    await page.waitForFunction(
      (n) => document.getElementById('badge')!.textContent === String(n),
      unreadNow - 1,
    );
    await page.reload();
    await page.waitForSelector('body[data-status="live"]');
    expect(await badge.textContent()).toBe(String(unreadNow - 1));
    expect(
      await page.locator('#list li', { hasText: `Invoice ${transport}` }).getAttribute('class'),
    ).toBe('read');
    if (transport === 'sse') await page.screenshot({ path: `${images}inbox-demo.png` });
    await page.close();
  },
);
