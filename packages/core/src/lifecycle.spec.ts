import { withTimeout } from './lifecycle.js';

it('withTimeout passes the answer through when it comes in time', async () => {
  await expect(withTimeout(Promise.resolve(7), 1_000, 'slow')).resolves.toBe(7);
  await expect(withTimeout(Promise.reject(new Error('no')), 1_000, 'slow')).rejects.toThrow('no');
});

it('withTimeout rejects with the message once the time is up', async () => {
  const never = new Promise<number>(() => undefined);
  await expect(withTimeout(never, 20, 'x did not answer within 20 ms')).rejects.toThrow(
    'x did not answer within 20 ms',
  );
});
