// docker-entrypoint.sh is the one launcher of Herald's apps (image, chart, demo, bench):
// these run it through spawnHeraldApp against a stand-in checkout whose "app" writes down
// the heap V8 was given and its flags, so what each app gets is read from a real node.
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnHeraldApp, type HeraldApp } from './spawn-app.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const MiB = 2 ** 20;

// What V8 reserves for the young generation: three semi-spaces (from, to and new large
// objects), so a 64 MiB semi-space shows as 192 MiB on top of the old generation.
const app = `
const v8 = require('node:v8');
const limit = v8.getHeapStatistics().heap_size_limit;
require('node:fs').writeFileSync(
  process.env.SEEN_FILE,
  JSON.stringify({
    young: limit / ${MiB} - 1024,
    args: process.argv.slice(2),
    flags: process.execArgv,
    traceLimit: Error.stackTraceLimit,
    launcher: [process.env.HERALD_HOME, process.env.HERALD_NODE_FLAGS].filter(Boolean),
  }),
);
console.log('ready');
setInterval(() => {}, 1000);
`;

let home: string;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'herald-launcher-'));
  cpSync(join(repoRoot, 'docker-entrypoint.sh'), join(home, 'docker-entrypoint.sh'));
  chmodSync(join(home, 'docker-entrypoint.sh'), 0o755);
  for (const name of ['router', 'worker', 'auditor', 'api', 'gateway']) {
    mkdirSync(join(home, 'apps', name, 'dist'), { recursive: true });
    // The entrypoint runs dist/main.js: a package.json marks the stand-in CommonJS.
    writeFileSync(join(home, 'apps', name, 'package.json'), '{"type":"commonjs"}');
    writeFileSync(join(home, 'apps', name, 'dist', 'main.js'), app);
  }
});

afterAll(() => rmSync(home, { recursive: true, force: true }));

interface Seen {
  young: number;
  args: string[];
  flags: string[];
  traceLimit: number;
  launcher: string[];
}

let runs = 0;

/** Starts `name` through the launcher and returns what its stand-in saw. */
async function readApp(
  name: HeraldApp,
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<Seen> {
  const out = join(home, `seen-${++runs}.json`);
  // A fixed old generation, so the young one can be read off the heap limit.
  const running = await spawnHeraldApp(name, home, args, { ...env, SEEN_FILE: out }, 'ready', {
    timeoutMs: 20_000,
    nodeArgs: ['--max-old-space-size=1024'],
  });
  await running.stop();
  return JSON.parse(readFileSync(out, 'utf8')) as Seen;
}

const pipelineFlags = ['--max-semi-space-size=64', '--heap-growing-percent=300'];

describe('docker-entrypoint.sh through spawnHeraldApp', () => {
  it('gives the pipeline apps their heap flags and passes their arguments on', async () => {
    for (const name of ['router', 'worker', 'auditor'] as const) {
      const seen = await readApp(name, {}, ['--channel', 'webhook']);
      // V8 took the semi-space (192 MiB = three 64 MiB semi-spaces); HERALD_HOME and
      // HERALD_NODE_FLAGS are the launcher's: the apps refuse HERALD_* they do not read.
      expect(seen).toMatchObject({
        young: 192,
        args: ['--channel', 'webhook'],
        flags: pipelineFlags,
        launcher: [],
      });
    }
  });

  it('replaces the flags with HERALD_NODE_FLAGS, and runs without any when it is empty', async () => {
    const small = await readApp('worker', { HERALD_NODE_FLAGS: '--max-semi-space-size=16' });
    expect(small).toMatchObject({ young: 48, flags: ['--max-semi-space-size=16'], launcher: [] });
    const own = await readApp('auditor', { HERALD_NODE_FLAGS: '' });
    expect(own.flags).toEqual([]);
    expect(own.young).toBe((await readApp('api')).young);
  });

  it('leaves the api and the gateway at V8’s own sizing', async () => {
    const api = await readApp('api');
    const gateway = await readApp('gateway');
    expect(api.flags).toEqual([]);
    expect(api.young).not.toBe(192);
    expect(gateway).toEqual(api);
  });

  it('keeps NODE_OPTIONS working beside the flags', async () => {
    // The bench's own flags (--cpu-prof, --import) arrive this way.
    const seen = await readApp('router', { NODE_OPTIONS: '--stack-trace-limit=7' });
    expect(seen).toMatchObject({ flags: pipelineFlags, young: 192, traceLimit: 7 });
  });

  it('names HERALD_NODE_FLAGS when node refuses them, and starts nothing', async () => {
    const out = join(home, 'refused.json');
    await expect(
      spawnHeraldApp(
        'worker',
        home,
        [],
        { HERALD_NODE_FLAGS: '--no-such-flag', SEEN_FILE: out },
        'ready',
        { timeoutMs: 20_000 },
      ),
    ).rejects.toThrow(
      /node refuses HERALD_NODE_FLAGS='--no-such-flag': node: bad option: --no-such-flag[\s\S]*unset HERALD_NODE_FLAGS for the default/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('names the app it does not know', async () => {
    await expect(
      spawnHeraldApp('nope' as HeraldApp, home, [], {}, 'ready', { timeoutMs: 20_000 }),
    ).rejects.toThrow(
      /unknown app 'nope'; expected router, worker, auditor, api, gateway or migrate/,
    );
  });
});
