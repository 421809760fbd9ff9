import { silentLogger, type DeliveryJob } from '@herald/core';
import { cachedAddressStates } from './address-states.js';

const job = {
  notificationId: 'n1',
  tenant: 'acme',
  channel: 'webhook',
  recipient: { ref: 'r1', address: 'https://example.com/h' },
} as DeliveryJob;

it('answers a cached address as a plain value (no promise to wait on), a miss and an expired entry from the source', async () => {
  let now = 1_000;
  const asked: string[] = [];
  const marks = new Map<string, { reason: string; provider: string }>();
  const states = cachedAddressStates(
    {
      find: async (_tenant, _channel, address) => {
        asked.push(address);
        return marks.get(address);
      },
      markInvalid: async () => undefined,
    },
    { ttlMs: 100, maxEntries: 10, log: silentLogger, now: () => now },
  );
  const miss = states.invalid(job);
  expect(miss).toBeInstanceOf(Promise);
  expect(await miss).toBeUndefined();
  expect(states.invalid(job)).toBeUndefined();
  expect(asked).toEqual(['https://example.com/h']);
  marks.set('https://example.com/h', { reason: 'gone', provider: 'webhook' });
  now += 101;
  expect(await states.invalid(job)).toEqual({ reason: 'gone', provider: 'webhook' });
  expect(states.invalid(job)).toEqual({ reason: 'gone', provider: 'webhook' });
  expect(asked).toHaveLength(2);
  // A mark this worker writes is answered from the cache at once.
  const other = { ...job, recipient: { ref: 'r2', address: 'https://example.com/x' } };
  await states.markInvalid(other, { reason: 'unsubscribed', provider: 'webhook' });
  expect(states.invalid(other)).toEqual({ reason: 'unsubscribed', provider: 'webhook' });
});
