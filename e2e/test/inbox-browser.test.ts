/**
 * The demo inbox page in a real headless Chromium (Debian's `chromium`, installed by
 * scripts/chromium.sh, found by testkit's chromiumPath, driven by playwright-core)
 * against the whole in-app path on the real stack: task events produced to Kafka go
 * through the router (examples/tasks/rules.yaml), the worker's inapp channel
 * (examples/tasks/templates.yaml) into the inbox, and through the gateway to the page.
 * A new message appears without a reload, the badge changes, a progress bar moves,
 * and the read state survives a reload. Screenshots go to docs/images/.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { parse } from 'yaml';
import { buildAuditor, parseAuditorEnv } from '@herald/auditor';
import { silentLogger, topicNames } from '@herald/core';
import { createInboxGateway, parseGatewayEnv, type Gateway } from '@herald/gateway';
import { buildRouter, parseRouterEnv } from '@herald/router';
import { createDatabase, TemplateStore } from '@herald/store';
import { issueSubscriberToken } from '@herald/subscriber-auth';
import { chromiumPath, screenshotDir, stackEnv, testRun } from '@herald/testkit';
import { buildWorker, parseWorkerEnv } from '@herald/worker';
import type { Producer } from 'kafkajs';

const run = testRun('e2e-inbox-browser');
const topics = topicNames(run.prefix);
// docs/images/ with HERALD_UPDATE_SCREENSHOTS=1, else a temporary folder.
const images = screenshotDir();
const example = (file: string) =>
  fileURLToPath(new URL(`../../examples/tasks/${file}`, import.meta.url));
let gateway: Gateway;
let browser: Browser;
let producer: Producer;
let env: ReturnType<typeof parseGatewayEnv>;
let n = 0;

/** A task event as a producer would send it (structured CloudEvent, tenant acme). */
async function produce(type: string, data: Record<string, unknown>) {
  await producer.send({
    topic: topics.events,
    messages: [
      {
        key: String(data.userId),
        value: JSON.stringify({
          specversion: '1.0',
          id: `ev-${++n}-${Date.now()}`,
          source: 'jobs/runner',
          type,
          tenantid: 'acme',
          data,
        }),
      },
    ],
  });
}

beforeAll(async () => {
  const { url } = await run.database();
  const common = run.settings({
    HERALD_SHUTDOWN_TIMEOUT_MS: '5000',
    HERALD_METRICS_HOST: '127.0.0.1',
    REDIS_URL: stackEnv().REDIS_URL,
  });
  // The auditor first: it migrates the database the worker and the gateway use.
  await run.start(buildAuditor(parseAuditorEnv(common), silentLogger));
  const db = createDatabase({ url, poolSize: 2, logger: silentLogger });
  run.defer(() => db.destroy());
  const file = parse(await readFile(example('templates.yaml'), 'utf8')) as {
    templates: { id: string; channel: 'inapp'; parts: unknown; sample?: unknown }[];
  };
  await new TemplateStore(db).apply(
    {
      templates: file.templates.map((t) => ({
        id: t.id,
        channel: t.channel,
        locale: 'default',
        parts: t.parts,
        sampleData: t.sample,
      })),
    },
    { actor: 'e2e' },
  );
  await run.start(
    buildWorker(parseWorkerEnv({ ...common, HERALD_WORKER_CHANNELS: 'inapp' }), silentLogger),
  );
  const { DATABASE_URL: _unused, ...routerCommon } = common;
  await run.start(
    buildRouter(
      parseRouterEnv({ ...routerCommon, HERALD_RULES_FILE: example('rules.yaml') }),
      silentLogger,
    ),
  );
  env = parseGatewayEnv({
    ...common,
    HERALD_GATEWAY_TENANT_SECRETS: JSON.stringify({ acme: 'browser-test-secret-0123456789abcdef' }),
    HERALD_GATEWAY_HOST: '127.0.0.1',
    HERALD_GATEWAY_PORT: '0',
    HERALD_METRICS_PORT: '0',
    HERALD_GATEWAY_COUNTS_DEBOUNCE_MS: '20',
  });
  gateway = await run.start(createInboxGateway(env, silentLogger));
  producer = run.kafka.producer();
  await producer.connect();
  run.defer(() => producer.disconnect());
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  run.defer(() => browser.close());
}, 120_000);

afterAll(() => run.stop(), 60_000);

it.each(['sse', 'ws'])(
  'task events from Kafka show up live (%s): new message, badge, progress bar, read state over a reload',
  async (transport) => {
    const user = `u-${transport}`;
    const token = await issueSubscriberToken(env.tenantSecrets, {
      tenant: 'acme',
      subscriber: user,
    });
    const page = await browser.newPage({ viewport: { width: 760, height: 520 } });
    await page.goto(`${gateway.url}/demo?token=${token}&transport=${transport}`);
    await page.waitForSelector('body[data-status="live"]');
    const badge = page.locator('#badge');
    expect(await badge.textContent()).toBe('0');

    // A report is ready: a new message, without a reload; the badge goes to 1.
    await produce('task.completed', {
      taskId: 'report-1',
      userId: user,
      name: 'Monthly report',
      message: 'Ready to download.',
    });
    await page.waitForSelector('#list li h3:text("Monthly report completed")', { timeout: 30_000 });
    await page.waitForSelector('#badge[data-count="1"]', { state: 'attached' });

    // A running task: its progress events (one collapse key) move one progress bar.
    const task = { taskId: 'export-7', userId: user, name: 'Nightly export' };
    await produce('task.created', task);
    await produce('task.progress', { ...task, percent: 35, message: 'Copying files (3 of 8)' });
    await page.waitForSelector('progress[data-percent="35"]', { timeout: 30_000 });
    await produce('task.progress', { ...task, percent: 70, message: 'Copying files (6 of 8)' });
    await page.waitForSelector('progress[data-percent="70"]', { timeout: 30_000 });
    // One message for the task (created and both updates collapsed), one for the report.
    expect(await page.locator('#list li').count()).toBe(2);
    expect(
      await page.locator('#list li', { hasText: 'Nightly export' }).locator('progress').count(),
    ).toBe(1);
    if (transport === 'sse') await page.screenshot({ path: `${images}inbox-demo-progress.png` });

    // Mark the report read: the badge goes down, and after a reload it still is.
    const unread = Number(await badge.textContent());
    const report = page.locator('#list li', { hasText: 'Monthly report' });
    await report.locator('button.mark').click();
    await page.waitForSelector(`#badge[data-count="${unread - 1}"]`, { state: 'attached' });
    await page.reload();
    await page.waitForSelector('body[data-status="live"]');
    expect(await badge.textContent()).toBe(String(unread - 1));
    expect(
      await page.locator('#list li', { hasText: 'Monthly report' }).getAttribute('class'),
    ).toBe('read');
    if (transport === 'sse') await page.screenshot({ path: `${images}inbox-demo.png` });
    await page.close();
  },
);
