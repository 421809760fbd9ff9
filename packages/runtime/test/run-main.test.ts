/**
 * runMain in a real child process: exit 2 on a configuration error (message only),
 * exit 0 after a graceful stop on SIGTERM, exit 1 when start fails.
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
