import { appLifecycle } from './lifecycle.js';

it('stops resources in reverse start order, once', async () => {
  const log: string[] = [];
  const app = appLifecycle(async (life) => {
    for (const name of ['ops', 'db', 'consumer']) {
      await life.use(
        () => (log.push(`start ${name}`), name),
        (r) => log.push(`stop ${r}`),
      );
    }
    life.defer(() => log.push('stop timer'));
  });
  await app.start();
  await app.start();
  await Promise.all([app.stop(), app.stop()]);
  expect(log).toEqual([
    'start ops',
    'start db',
    'start consumer',
    'stop timer',
    'stop consumer',
    'stop db',
    'stop ops',
  ]);
});

it('runs every stop even when one throws, then throws the first error', async () => {
  const stopped: string[] = [];
  const app = appLifecycle(async (life) => {
    await life.use(
      () => 'a',
      (r) => void stopped.push(r),
    );
    await life.use(
      () => 'b',
      () => {
        throw new Error('b would not close');
      },
    );
    await life.use(
      () => 'c',
      (r) => void stopped.push(r),
    );
  });
  await app.start();
  await expect(app.stop()).rejects.toThrow('b would not close');
  expect(stopped).toEqual(['c', 'a']);
});

it('a start that fails half-way still stops what it had opened', async () => {
  const stopped: string[] = [];
  const app = appLifecycle(async (life) => {
    await life.use(
      () => 'ops',
      (r) => void stopped.push(r),
    );
    await life.use(
      () => Promise.reject(new Error('kafka unreachable')),
      () => void stopped.push('never started'),
    );
  });
  await expect(app.start()).rejects.toThrow('kafka unreachable');
  await app.stop();
  expect(stopped).toEqual(['ops']);
});

it('a resource that finishes starting after stop began is stopped at once', async () => {
  const stopped: string[] = [];
  let release!: () => void;
  const app = appLifecycle(async (life) => {
    await life.use(
      () => new Promise<string>((resolve) => (release = () => resolve('late consumer'))),
      (r) => void stopped.push(r),
    );
  });
  const starting = app.start();
  await new Promise((r) => setImmediate(r));
  await app.stop();
  release();
  await expect(starting).rejects.toThrow(/stopped while this resource was starting/);
  expect(stopped).toEqual(['late consumer']);
});
