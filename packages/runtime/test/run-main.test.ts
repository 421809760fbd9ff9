/**
 * runMain in a real child process: exit 2 on a configuration error (message only),
 * exit 0 after a graceful stop on SIGTERM, exit 1 when start fails for good; a start
 * that fails while a dependency is away is retried within the outage limit, and an
 * app that reports `failed` is stopped and exits 1.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runtime = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const core = fileURLToPath(new URL('../../core/dist/index.js', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'herald-runtime-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(name: string, body: string, signal?: NodeJS.Signals) {
  const file = join(dir, `${name}.mjs`);
  await writeFile(
    file,
    `import { runMain } from ${JSON.stringify(runtime)};
import { HeraldError } from ${JSON.stringify(core)};
const lines = [];
const logger = { debug() {}, info: (_f, m) => console.log(m), warn: (_f, m) => console.log(m), error: (_f, m) => console.log(m), child() { return logger; } };
${body}`,
  );
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let signalled = false;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (signal && !signalled && out.includes('started')) {
      signalled = true;
      child.kill(signal);
    }
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, out, err };
}

it('exits 2 and prints only the message when the settings are invalid', async () => {
  const { code, err } = await run(
    'bad-config',
    `await runMain('demo', () => { throw new HeraldError('HERALD_ERR_CONFIG_INVALID', ['KAFKA_BROKERS: expected host:port']); });`,
  );
  expect(code).toBe(2);
  expect(err.trim()).toBe(
    'herald-demo: HERALD_ERR_CONFIG_INVALID: invalid configuration: KAFKA_BROKERS: expected host:port',
  );
});

it('stops the app on SIGTERM and exits 0', async () => {
  const { code, out } = await run(
    'graceful',
    `await runMain('demo', () => ({ logger, app: {
      start: async () => { setInterval(() => {}, 1000); },
      stop: async () => { await new Promise((r) => setTimeout(r, 200)); console.log('drained'); },
    } }));`,
    'SIGTERM',
  );
  expect(code).toBe(0);
  expect(out.split('\n').filter(Boolean)).toEqual(['started', 'stopping', 'drained', 'stopped']);
});

it('exits 1 and still runs stop() when start fails', async () => {
  const { code, out } = await run(
    'start-fails',
    `await runMain('demo', () => ({ logger, app: {
      start: async () => { throw new Error('broker unreachable'); },
      stop: async () => { console.log('cleaned up'); },
    } }));`,
  );
  expect(code).toBe(1);
  expect(out).toContain('start failed');
  expect(out).toContain('cleaned up');
});

it('retries a start that fails while a dependency is away, with a fresh app each time', async () => {
  const { code, out } = await run(
    'dependency-returns',
    `let builds = 0;
    await runMain('demo', () => {
      const n = ++builds;
      return { logger, dependencyOutageMs: 60_000, app: {
        start: async () => {
          if (n < 3) throw new Error('connect ECONNREFUSED (build ' + n + ')');
          setInterval(() => {}, 1000);
        },
        stop: async () => { console.log('stopped build ' + n); },
      } };
    });`,
    'SIGTERM',
  );
  expect(code).toBe(0);
  const lines = out.split('\n').filter(Boolean);
  expect(lines.slice(0, 5)).toEqual([
    'start failed; a dependency may be away, retrying',
    'stopped build 1',
    'start failed; a dependency may be away, retrying',
    'stopped build 2',
    'started',
  ]);
});

it('opens the start-up probe once, before the first attempt, and tells it which dependency each retry waits for', async () => {
  const { code, out } = await run(
    'startup-probe',
    `let builds = 0;
    const refused = (port) => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:' + port), { address: '127.0.0.1', port });
    await runMain('demo', () => {
      const n = ++builds;
      return { logger, dependencyOutageMs: 60_000,
        dependencies: { kafka: '127.0.0.1:19092', redis: 'redis://:pw@127.0.0.1:16379', postgres: 'postgres://u:pw@127.0.0.1:15432/h' },
        startupOps: async () => {
          console.log('probe opened (build ' + n + ')');
          return { dependencyDown: (name, error) => console.log('down ' + name + ': ' + error), close: async () => {} };
        },
        app: {
          start: async () => {
            if (n === 1) throw refused(16379);
            if (n === 2) throw new Error('no address here');
            setInterval(() => {}, 1000);
          },
          stop: async () => {},
        } };
    });`,
    'SIGTERM',
  );
  expect(code).toBe(0);
  const lines = out.split('\n').filter(Boolean);
  expect(lines.slice(0, 6)).toEqual([
    'probe opened (build 1)',
    'start failed; a dependency may be away, retrying',
    'down redis: connect ECONNREFUSED 127.0.0.1:16379',
    'start failed; a dependency may be away, retrying',
    'down dependency: no address here',
    'started',
  ]);
  expect(out).not.toContain('pw');
});

it('gives up and exits 1 once the outage outlasts HERALD_DEPENDENCY_OUTAGE_MS', async () => {
  const startedAt = Date.now();
  const { code, out } = await run(
    'dependency-gone',
    `await runMain('demo', () => ({ logger, dependencyOutageMs: 2_500, app: {
      start: async () => { throw new Error('connect ECONNREFUSED'); },
      stop: async () => {},
    } }));`,
  );
  expect(code).toBe(1);
  // 1 s then 2 s of backoff fit in 2.5 s only once: two tries, then the final refusal.
  expect(out.match(/retrying/g)).toHaveLength(1);
  expect(out).toContain('start failed\n');
  expect(Date.now() - startedAt).toBeLessThan(10_000);
});

it('does not retry a settings error found at start (a provider misconfigured)', async () => {
  const { code, out } = await run(
    'config-at-start',
    `await runMain('demo', () => ({ logger, dependencyOutageMs: 60_000, app: {
      start: async () => { throw new HeraldError('HERALD_ERR_CHANNEL_CONFIG', ['webhook', 'HERALD_WEBHOOK_SECRETS: too short']); },
      stop: async () => {},
    } }));`,
  );
  expect(code).toBe(1);
  expect(out).not.toContain('retrying');
});

it('stops the app and exits 1 when it reports failed (an outage past the limit)', async () => {
  const { code, out } = await run(
    'reports-failed',
    `await runMain('demo', () => ({ logger, app: {
      start: async () => { setInterval(() => {}, 1000); },
      stop: async () => { console.log('cleaned up'); },
      failed: new Promise((resolve) => setTimeout(() => resolve(new Error('kafka away')), 300)),
    } }));`,
  );
  expect(code).toBe(1);
  expect(out.split('\n').filter(Boolean)).toEqual([
    'started',
    'a dependency was away too long; exiting',
    'cleaned up',
  ]);
});
