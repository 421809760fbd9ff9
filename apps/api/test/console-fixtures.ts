import type { Browser, Page } from 'playwright-core';
import type { DeliveryJob, TopicNames } from '@herald/core';
import { deadLetterHeaders, encodeDeadLetter, type DeadLetter } from '@herald/delivery';
import type { TestRun } from '@herald/testkit';

/** A delivery job of tenant acme, as the router plans it. */
export const consoleJob = (
  id: string,
  recipient: string,
  channel: 'email' | 'webhook',
): DeliveryJob => ({
  notificationId: id,
  event: { id: `order-${recipient}`, source: '/shop', type: 'order.shipped' },
  tenant: 'acme',
  rule: { id: 'acme.shipped', version: 1 },
  channel,
  recipient: {
    ref: recipient,
    address: channel === 'email' ? `${recipient}@example.com` : 'https://example.com/h',
  },
  priority: 'normal',
  attempt: 1,
  payload: {},
  plannedAt: '2030-01-01T00:00:00.000Z',
});

/** Writes acme's webhook dead letters to the run's herald.dlq, as a worker writes them. */
export async function produceDeadLetters(
  run: TestRun,
  topics: TopicNames,
  letters: readonly { id: string; recipient: string; reason: string }[],
): Promise<void> {
  const producer = run.kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic: topics.dlq,
      messages: letters.map(({ id, recipient, reason }, i) => {
        const letter: DeadLetter = {
          heraldDeadLetter: 1,
          kind: 'exhausted',
          reason,
          deadLetteredAt: '2030-01-01T00:00:00.000Z',
          notificationId: id,
          channel: 'webhook',
          tenant: 'acme',
          job: { ...consoleJob(id, recipient, 'webhook'), attempt: 8 },
          attempts: [
            {
              attempt: 8,
              at: '2030-01-01T00:00:00.000Z',
              outcome: 'transient',
              reason,
              statusCode: 503,
            },
          ],
          source: { topic: topics.deliveries('webhook'), partition: 0, offset: String(i + 1) },
        };
        return { key: id, value: encodeDeadLetter(letter), headers: deadLetterHeaders(letter) };
      }),
    });
  } finally {
    await producer.disconnect();
  }
}

/** A console page signed in with `key`. */
export async function signedIn(
  browser: Browser,
  url: string,
  key: string,
  height = 760,
): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height } });
  await page.goto(`${url}/console`);
  await page.fill('input[name=key]', key);
  await page.click('button[type=submit]');
  await page.waitForSelector('nav');
  return page;
}
