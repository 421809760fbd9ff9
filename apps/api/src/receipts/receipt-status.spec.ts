import type { NotificationRecord } from '@herald/store';
import { statusFor } from './receipt.js';

const notification = {
  notification_id: '0b8f5c7e-6f0e-4f55-9d43-2a4f1c1e9a11',
  tenant: 'acme',
  event_id: 'e-1',
  event_type: 't',
  event_time: new Date('2026-11-21T08:00:00Z'),
  rule_id: 'r',
  rule_version: 1,
  channel: 'email',
  recipient_ref: 'alice',
  attempt: 1,
  max_attempts: null,
  provider_message_id: 'ses-1',
} as unknown as NotificationRecord;

it('caps a provider reason at 1,000 characters, so the status always fits a record', () => {
  // SES reasons and error messages are as long as the provider makes them (up to the body limit).
  const status = statusFor(
    {
      provider: 'ses',
      state: 'failed',
      reason: `rejected by SES: ${'x'.repeat(2_000_000)}`,
      occurredAt: '2026-11-21T08:00:01Z',
    },
    notification,
  );
  expect(status.data.reason).toHaveLength(1_000);
  expect(status.data.reason!.startsWith('rejected by SES: xxx')).toBe(true);
  expect(JSON.stringify(status).length).toBeLessThan(4_000);
});
