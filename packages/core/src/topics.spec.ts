import { delayTierFor, delayTiers, deliveryTopicFor, topicNames } from './topics.js';

const topics = topicNames('p.');

it('deliveryTopicFor sends critical and high jobs to the priority lane', () => {
  expect(deliveryTopicFor(topics, { channel: 'email', priority: 'critical' })).toBe(
    'p.herald.deliveries.email.critical',
  );
  expect(deliveryTopicFor(topics, { channel: 'email', priority: 'high' })).toBe(
    'p.herald.deliveries.email.critical',
  );
  expect(deliveryTopicFor(topics, { channel: 'email', priority: 'normal' })).toBe(
    'p.herald.deliveries.email',
  );
  expect(deliveryTopicFor(topics, { channel: 'sms', priority: 'bulk' })).toBe(
    'p.herald.deliveries.sms',
  );
});

it('delay tiers: the longest tier not longer than the wait, else the shortest', () => {
  expect(delayTierFor(0).name).toBe('1s');
  expect(delayTierFor(9_999).name).toBe('1s');
  expect(delayTierFor(10_000).name).toBe('10s');
  expect(delayTierFor(59 * 60_000).name).toBe('10m');
  expect(delayTierFor(30 * 3_600_000).name).toBe('1h');
  expect(topics.delayed('webhook', delayTiers[1])).toBe('p.herald.deliveries.webhook.delay-10s');
});
