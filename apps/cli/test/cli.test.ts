import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { appOnlySettings, buildCli, cliSettingNames, parseCliEnv } from '@herald/cli';
import { silentLogger, topicNames } from '@herald/core';
import { ensureTopics, heraldTopicSpecs, deleteTopicsWithPrefix } from '@herald/kafka';
import { createDatabase, migrateToLatest } from '@herald/store';
import { createTestDatabase, stackEnv, uniquePrefix, type TestDatabase } from '@herald/testkit';

const prefix = uniquePrefix();
const topics = topicNames(prefix);
const kafka = new Kafka({
  clientId: 'cli-test',
  brokers: stackEnv().KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
const env = parseCliEnv({ KAFKA_BROKERS: stackEnv().KAFKA_BROKERS, HERALD_TOPIC_PREFIX: prefix });

async function herald(...args: string[]): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  await buildCli(env, silentLogger, out).parseAsync(['node', 'herald', ...args]);
  return text;
}

beforeAll(() => ensureTopics(kafka, heraldTopicSpecs(topics, 1, 1)));
afterAll(() => deleteTopicsWithPrefix(kafka, prefix));

it('produces structured and binary events that tail reads back', async () => {
  expect(
    await herald('produce', '--type', 'order.shipped', '--data', '{"total":5}', '--tenant', 'acme'),
  ).toMatch(
    new RegExp(
      `^produced order.shipped [0-9a-f-]{36} to ${prefix.replace('.', '\\.')}herald.events\\n$`,
    ),
  );
  await herald('produce', '--type', 'node.down', '--binary', '--severity', 'critical');
  const lines = (await herald('tail', 'events', '--from-beginning', '--max', '2'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { value: unknown; headers: Record<string, string> });
  expect(lines[0]!.value).toMatchObject({
    specversion: '1.0',
    type: 'order.shipped',
    tenantid: 'acme',
    data: { total: 5 },
  });
  expect(lines[1]!.value).toEqual({});
  expect(lines[1]!.headers).toMatchObject({
    ce_type: 'node.down',
    ce_severity: 'critical',
    ce_specversion: '1.0',
  });
});

it('refuses an invalid event before publishing, naming the problem', async () => {
  await expect(herald('produce')).rejects.toThrow(/give --file <event.json> or --type <type>/);
  await expect(herald('tail', 'nope')).rejects.toThrow(
    /unknown topic "nope"; expected one of: status, events, rejected, dlq/,
  );
});

describe('settings', () => {
  it('accepts the apps’ own settings, so one env file serves apps and CLI', () => {
    expect(() =>
      parseCliEnv({
        HERALD_METRICS_PORT: '9464',
        HERALD_WORKER_CHANNELS: 'webhook',
        HERALD_RULES_SOURCE: 'postgres',
        HERALD_API_PORT: '8080',
      }),
    ).not.toThrow();
  });

  it('still refuses a typo of a HERALD_* name, with the closest one', () => {
    expect(() => parseCliEnv({ HERALD_METRIC_PORT: '9464' })).toThrow(
      'unknown setting HERALD_METRIC_PORT: did you mean HERALD_METRICS_PORT?',
    );
  });

  it('knows every setting the apps and packages declare', async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const declared = new Set<string>();
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
          for (const m of (await readFile(path, 'utf8')).matchAll(
            /^\s+(HERALD_[A-Z0-9_]+)\??:|'(HERALD_[A-Z0-9_]+)'/gm,
          ))
            declared.add((m[1] ?? m[2])!);
      }
    };
    for (const top of ['apps', 'packages'])
      for (const pkg of await readdir(join(root, top)))
        if (pkg !== 'cli') await walk(join(root, top, pkg, 'src')).catch(() => undefined);
    const unknown = [...declared].filter(
      (name) =>
        !name.startsWith('HERALD_ERR_') &&
        !name.startsWith('HERALD_STACK_') &&
        !appOnlySettings.has(name) &&
        !cliSettingNames.includes(name),
    );
    expect(declared.size).toBeGreaterThan(50);
    expect(unknown).toEqual([]);
  });
});

describe('the herald command (built, in a process of its own)', () => {
  const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
  let dir: string;
  // A migrated database of this file's own: the stack's shared one may have no audit tables.
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase(stackEnv().DATABASE_URL);
    const db = createDatabase({ url: testDb.url, poolSize: 1, logger: silentLogger });
    await migrateToLatest(db);
    await db.destroy();
    dir = await mkdtemp(join(tmpdir(), 'herald-cli-start-'));
    // Records every module the command resolves, imported or required. In-thread hooks
    // (module.registerHooks): Node 26 deprecates module.register() (DEP0205), and its
    // warning on stderr would be the command's.
    await writeFile(
      join(dir, 'register.mjs'),
      `import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    appendFileSync(process.env.TRACE_MODULES_FILE, result.url + '\\n');
    return result;
  },
});
`,
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await testDb?.drop();
  });

  async function run(
    args: string[],
    extraEnv: Record<string, string> = {},
  ): Promise<{ stdout: string; stderr: string; code: number; modules: string[] }> {
    const trace = join(dir, `trace-${Math.random().toString(36).slice(2)}`);
    await writeFile(trace, '');
    const result = await promisify(execFile)(
      process.execPath,
      ['--import', join(dir, 'register.mjs'), main, ...args],
      {
        env: {
          PATH: process.env.PATH,
          KAFKA_BROKERS: stackEnv().KAFKA_BROKERS,
          DATABASE_URL: testDb.url,
          REDIS_URL: stackEnv().REDIS_URL,
          HERALD_TOPIC_PREFIX: prefix,
          TRACE_MODULES_FILE: trace,
          ...extraEnv,
        },
      },
    ).then(
      (r) => ({ ...r, code: 0 }),
      (err: { stdout: string; stderr: string; code: number }) => err,
    );
    const modules = (await readFile(trace, 'utf8')).split('\n').filter(Boolean);
    return { stdout: result.stdout, stderr: result.stderr, code: result.code, modules };
  }

  const heavy = /\/node_modules\/(kafkajs|pg|kysely|ioredis|handlebars|@opentelemetry)\//;

  it('--help loads no client library (start-up stays well under a second)', async () => {
    const { stdout, modules, code } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: herald');
    expect(modules.some((m) => m.includes('/node_modules/commander/'))).toBe(true);
    expect(modules.filter((m) => heavy.test(m))).toEqual([]);
  });

  it('a Postgres-only command loads no Kafka or Redis client, and an unknown event exits 1', async () => {
    const { stderr, modules, code } = await run(['audit', 'event', 'no-such-event']);
    expect(stderr).toMatch(/^herald: no event no-such-event in the audit tables/);
    expect(code).toBe(1);
    expect(modules.some((m) => /\/node_modules\/pg\//.test(m))).toBe(true);
    expect(
      modules.filter((m) => /\/node_modules\/(kafkajs|ioredis|@opentelemetry)\//.test(m)),
    ).toEqual([]);
  });

  it('publishes without kafkajs’ partitioner warning, with an app-only setting in the env', async () => {
    const { stdout, stderr, code } = await run(['produce', '--type', 'quiet.check'], {
      HERALD_METRICS_PORT: '9464',
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^produced quiet\.check /);
  });
});
