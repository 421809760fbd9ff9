/**
 * `npm run bench:api`: POST /v1/events of the api against a bare fastify route that
 * produces to Kafka, on the running local stack, in one invocation (~2 minutes):
 *
 *   batch   100 events per request, 32 connections, as fast as it goes, 15 s
 *   single  one event per request at a fixed 2,000 requests/s, 15 s (latency at load)
 *
 * Targets (issue 15): batches ≥ 10,000 events/s; single events 2,000 requests/s with
 * p99 < 50 ms. Prints a table; not part of `npm test`.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { topicNames } from '@herald/core';
import {
  createKafkaClient,
  deleteTopicsWithPrefix,
  ensureTopics,
  heraldTopicSpecs,
} from '@herald/kafka';
import { ApiKeyStore, createDatabase, migrateToLatest } from '@herald/store';
import { silentLogger } from '@herald/core';

const root = fileURLToPath(new URL('../../../', import.meta.url));
// The running local stack's addresses (`stack.sh env`); start it with `npm run stack:up`.
const stack = Object.fromEntries(
  execFileSync('bash', [`${root}deploy/local/stack.sh`, 'env'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^export (\w+)=(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!]),
) as { KAFKA_BROKERS: string; DATABASE_URL: string; REDIS_URL: string };
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const prefix = `bench-api-${randomBytes(3).toString('hex')}.`;
const dbName = `herald_bench_api_${randomBytes(3).toString('hex')}`;

function event(i: number) {
  return {
    specversion: '1.0',
    id: `evt-${i}`,
    source: '/bench',
    type: 'order.shipped',
    time: '2026-01-01T00:00:00Z',
    data: { order: i, customer: `c-${i % 1000}`, total: 42.5, items: ['a', 'b'] },
  };
}

async function startServer(
  kind: 'herald' | 'bare',
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./server.js', import.meta.url)), kind],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /url (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  return { url, child };
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

interface Figures {
  requestsPerSec: number;
  eventsPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function load(url: string, key: string, batch: number, rate?: number): Promise<Figures> {
  const body = JSON.stringify(
    batch === 1 ? event(1) : Array.from({ length: batch }, (_, i) => event(i)),
  );
  const result = await autocannon({
    url: `${url}/v1/events`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
    connections: rate ? 64 : 32,
    duration: seconds,
    ...(rate ? { overallRate: rate } : {}),
  });
  const seconds_ = result.duration;
  const ok = result['2xx'];
  return {
    requestsPerSec: ok / seconds_,
    eventsPerSec: (ok * batch) / seconds_,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: stack.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(stack.DATABASE_URL);
  dbUrl.pathname = `/${dbName}`;
  const db = createDatabase({ url: dbUrl.toString(), poolSize: 2, logger: silentLogger });
  const kafka = createKafkaClient({
    brokers: stack.KAFKA_BROKERS.split(','),
    clientId: 'bench-api',
    logger: silentLogger,
  });
  const results: Record<string, Figures> = {};
  try {
    await migrateToLatest(db);
    const keys = new ApiKeyStore(db);
    await keys.createTenant('bench', 'bench');
    const { key } = await keys.create({
      tenant: 'bench',
      name: 'bench',
      scopes: ['publish'],
      createdBy: 'bench',
    });
    await ensureTopics(kafka, heraldTopicSpecs(topicNames(prefix), 6, 1));
    const env = {
      KAFKA_BROKERS: stack.KAFKA_BROKERS,
      DATABASE_URL: dbUrl.toString(),
      REDIS_URL: stack.REDIS_URL,
      HERALD_TOPIC_PREFIX: prefix,
      HERALD_TOPIC_PARTITIONS: '6',
      HERALD_API_HOST: '127.0.0.1',
      HERALD_API_PORT: '0',
      HERALD_METRICS_PORT: '0',
      HERALD_LOG_LEVEL: 'warn',
      // Checked on every request (the GCRA script runs), never reached.
      HERALD_API_RATE_LIMIT: '1000000',
      HERALD_API_RATE_PERIOD_MS: '1000',
    };
    for (const kind of ['bare', 'herald'] as const) {
      const { url, child } = await startServer(kind, env);
      try {
        await load(url, key, 100).catch(() => undefined); // warm-up: JIT, connections
        results[`${kind} batch (100/request)`] = await load(url, key, 100);
        results[`${kind} single @2000/s`] = await load(url, key, 1, 2000);
      } finally {
        await stopServer(child);
      }
    }
  } finally {
    await db.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    await deleteTopicsWithPrefix(kafka, prefix).catch(() => undefined);
  }
  const rows = Object.entries(results).map(
    ([name, f]) =>
      `| ${name} | ${Math.round(f.eventsPerSec)} | ${Math.round(f.requestsPerSec)} | ${f.p50} | ${f.p99} | ${f.non2xx} | ${f.errors} |`,
  );
  process.stdout.write(
    [
      `POST /v1/events, ${seconds} s per run, local stack, topic with 6 partitions`,
      '| run | events/s | requests/s | p50 ms | p99 ms | non-2xx | errors |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
    ].join('\n'),
  );
  const batch = results['herald batch (100/request)']!;
  const single = results['herald single @2000/s']!;
  process.stdout.write(
    `targets: batches ≥ 10000 events/s: ${batch.eventsPerSec >= 10_000 ? 'met' : 'NOT met'}; single 2000 req/s with p99 < 50 ms: ${single.requestsPerSec >= 1900 && single.p99 < 50 ? 'met' : 'NOT met'}\n`,
  );
}

await main();
