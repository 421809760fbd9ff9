/**
 * `npm run bench:e2e`: Herald's whole pipeline (router → worker → auditor, 100 rules,
 * webhook deliveries to a local receiver, status events and audit rows) against a
 * bare baseline doing the same three hops on the same Kafka client (--client), on the
 * same local stack and receiver, in one invocation. Prints the figures and the ratio;
 * writes JSON and Markdown under bench-results/.
 *
 *   --profile short|full      short: CI-sized (no timing asserted); full: the published figures
 *   --events N                events per max-rate run
 *   --rates R,R               events/s of the fixed-rate latency runs, 15 s each (full: 1000,2500,5000;
 *                             short: 500 for 4 s); --rate R is one of them
 *   --drain N                 events of the backlog-drain run (full: 20000): produced while the
 *                             router is stopped (SIGSTOP), then drained; rate = N / time to the last delivery
 *   --partitions P            partitions of every topic
 *   --concurrency C           worker jobs in flight (HERALD_WORKER_CONCURRENCY)
 *   --runs LIST               which runs, comma-separated: herald-max,baseline-max,herald-rate,herald-drain
 *                             (full: all; short: no drain)
 *   --cpu-prof DIR            V8 CPU profile of every spawned process, written to DIR on exit
 *                             (aggregate with `node dist/profile-summary.js DIR/<file>.cpuprofile`)
 *   --client kafkajs|platformatic   the bare baseline's Kafka client; by default Herald's own
 *                             (HERALD_KAFKA_CLIENT from --app-env, else the apps' default,
 *                             platformatic), so "Herald ÷ bare" compares the same client
 *   --app-env K=V,K=V         extra settings for every Herald app (e.g. HERALD_KAFKA_...)
 *                             Herald's apps start through docker-entrypoint.sh, as in the image
 *                             and the chart, so they get its Node flags (the pipeline apps'
 *                             heap); HERALD_NODE_FLAGS=<flags> here replaces them, empty for
 *                             V8's own sizing (docs/benchmarks.md, round 14)
 *   --worker-env K=V,K=V      extra settings for the worker only (e.g. HERALD_WORKER_CHUNK_SIZE)
 *   --router-env K=V,K=V      extra settings for the router only
 *   --auditor-env K=V,K=V     extra settings for the auditor only (e.g. its fetch: HERALD_KAFKA_FETCH_MIN_BYTES)
 *   --auditor-nice N          run the auditor at CPU priority N (nice, 0–19): is the delivery tail
 *                             the auditor's bursts taking the cores? (issue 19 item 5)
 *   --auditor-pause           stop the auditor (SIGSTOP) while the measured events are delivered and
 *                             resume it after: the delivery tail without the audit writes' share
 *                             of the cores (an experiment: audit rows land late)
 *   --warmup N                events sent through each pipeline (as fast as it goes) and
 *                             delivered before measuring, so figures are of warm
 *                             processes (JIT, connections); default 60000 full, 500 short.
 *                             V8 goes on optimising an app's hot code for its first
 *                             ~100,000 deliveries: after 5,000, its compiler threads
 *                             still took ~13 % of the worker's CPU in the measured run
 *                             (docs/benchmarks.md, round 13)
 *   --no-aof-compact          do not have the stack's Redis rewrite its append-only file before
 *                             each Herald run (as before round 13; see redis-info.ts)
 *   --rate-warmup S           before a fixed-rate run is measured, S seconds more at its offered rate
 *                             (default 5 full, 0 short): the warm-up above runs as fast as it goes,
 *                             which leaves the paths only a steady rate takes (small fetches woken
 *                             by each produce, in the broker too) to be compiled while measured
 *   --hops                    after each Herald run, where its deliveries' time went, hop by hop
 *                             (herald.status read back: hop-breakdown.ts); with
 *                             --app-env NODE_OPTIONS=--import=<bench/e2e/preload/stall-log.mjs>,BENCH_STALL_LOG=<file>
 *                             also each app's GC and event-loop pauses beside the slowest deliveries
 *   --app-env NODE_OPTIONS=--import=<bench/e2e/preload/kafka-requests.mjs>,BENCH_KAFKA_REQUESTS=<dir>
 *                             count each app's Kafka requests by API (@platformatic/kafka's only) and
 *                             print them per run ("kafka requests during …")
 *   --app-env NODE_OPTIONS=--import=<bench/e2e/preload/alloc-profile.mjs>,BENCH_ALLOC_PROFILE=<dir>
 *                             where each app allocates (V8's sampling heap profiler, collected
 *                             objects kept), one .heapprofile per app on exit; summarise with
 *                             `node dist/alloc-summary.js <file>`
 *   --ordering O              the rules' channel ordering: subject (default: one customer's
 *                             events in order), recipient (one request at a time per
 *                             endpoint) or none (docs/rules.md)
 *
 * Every Herald run also prints Redis calls per command (INFO commandstats before/after;
 * other clients of the shared Redis add to it). Every run prints the CPU s of the stack's
 * processes too (`deploy/local/stack.sh pids`: Postgres with all its backends, the Kafka
 * JVM, Redis) and of this bench process (producer, receiver), so the machine's CPU per
 * delivery shows beside the apps' (the stack is shared by whatever else uses it), and
 * `pg-run-db`: the Postgres backends of the run's database alone (the audit's writes,
 * without the checkpointer, autovacuum or other databases' clients; backends opened
 * during the run count from zero, one that both opened and closed in it is missed).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { deleteTopicsWithPrefix, ensureTopics } from '@herald/kafka';
import { BenchReceiver } from './receiver.js';
import {
  afterWriteTable,
  breakdownTable,
  breakdowns,
  chunkTable,
  readStalls,
  readStatusTimes,
  tailEpisodes,
} from './hop-breakdown.js';
import { benchRules, produceEvents } from './event-producer.js';
import { readRequestCounts, requestLines } from './kafka-requests.js';
import { compactRedisAof, redisCommandStats } from './redis-info.js';
import { LagSampler, type LagPoint } from './lag-sampler.js';
import { parseStackPids, ProcessSampler, type ProcessUsage } from './process-sampler.js';
import { spawnApp, spawnHeraldApp, type RunningProcess } from '@herald/testkit';
import { asciiPlot, latency, perSecond, sustained, type LatencySummary } from './stats.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
/** `text` as a number of at least `min`; anything else stops the bench, naming the option. */
function checkedNumber(name: string, text: string, min: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min) {
    console.error(
      `--${name} ${text}: expected a number ≥ ${min} (the options are listed at the top of bench/e2e/src/main.ts)`,
    );
    process.exit(2);
  }
  return value;
}
const numberOption = (name: string, fallback: string, min: number) =>
  checkedNumber(name, option(name, fallback), min);
/** `client` when it is a Kafka client Herald has; anything else stops the bench, naming the option. */
function checkedClient(given: string, client: string): 'kafkajs' | 'platformatic' {
  if (client !== 'kafkajs' && client !== 'platformatic') {
    console.error(`${given} ${client}: expected kafkajs or platformatic`);
    process.exit(2);
  }
  return client;
}
const profile = option('profile', 'full');
const full = profile === 'full';
const events = numberOption('events', full ? '60000' : '3000', 1);
const rates = option('rates', option('rate', full ? '1000,2500,5000' : '500'))
  .split(',')
  .map((rate) => checkedNumber('rates', rate, 1));
const drainEvents = numberOption('drain', '20000', 1);
const rateSeconds = full ? 15 : 4;
const partitions = option('partitions', '6');
const concurrency = option('concurrency', '64');
const runs = option(
  'runs',
  full ? 'herald-max,baseline-max,herald-rate,herald-drain' : 'herald-max,baseline-max,herald-rate',
).split(',');
const cpuProfDir = option('cpu-prof', '');
const ordering = option('ordering', 'subject');
const warmup = numberOption('warmup', full ? '60000' : '500', 0);
const rateWarmupSeconds = numberOption('rate-warmup', full ? '5' : '0', 0);
const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
const settings = (name: string) =>
  Object.fromEntries(
    option(name, '')
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  ) as Record<string, string>;
const appEnv = settings('app-env');
// Issue 19's ratio is "Herald ÷ bare pipe on the same client": the bare pipe follows the
// apps' client unless --client says otherwise. (It used to default to kafkajs while the
// apps default to platformatic, so a run without --client compared two clients.)
const heraldClient = checkedClient(
  '--app-env HERALD_KAFKA_CLIENT',
  appEnv.HERALD_KAFKA_CLIENT ?? 'platformatic',
);
const baselineClient = checkedClient('--client', option('client', heraldClient));
const workerEnv = settings('worker-env');
const routerEnv = settings('router-env');
const auditorEnv = settings('auditor-env');
const auditorNice = numberOption('auditor-nice', '0', 0);
const auditorPause = process.argv.includes('--auditor-pause');
const compactAof = !process.argv.includes('--no-aof-compact');

const stackEnv = Object.fromEntries(
  execFileSync('bash', [`${root}deploy/local/stack.sh`, 'env'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^export (\w+)=(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!]),
) as { KAFKA_BROKERS: string; DATABASE_URL: string; REDIS_URL: string };
execFileSync('bash', [`${root}deploy/local/stack.sh`, 'up'], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
// Sampled with their children (Postgres's backends); empty when the stack is elsewhere.
const stackPids = parseStackPids(
  execFileSync('bash', [`${root}deploy/local/stack.sh`, 'pids'], { encoding: 'utf8' }),
);

const kafka = new Kafka({
  clientId: 'bench',
  brokers: stackEnv.KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
const admin = kafka.admin();
await admin.connect();
const receiver = new BenchReceiver();
await receiver.start();

async function freshDatabase(name: string): Promise<string> {
  const client = new pg.Client({ connectionString: stackEnv.DATABASE_URL });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(stackEnv.DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The Postgres backends connected to the database of `url` (pids on this host). */
async function backendPids(url: string): Promise<number[]> {
  const rows = await queryOnce<{ pid: number }>(
    url,
    'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
  );
  return rows.map((r) => r.pid);
}

/**
 * One query on a connection of its own, closed whatever the query did (an open
 * connection would keep the bench from ending).
 */
async function queryOnce<Row extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function waitForArrivals(count: number, idleMs: number): Promise<void> {
  let last = receiver.arrivals.length;
  let lastChange = Date.now();
  while (receiver.arrivals.length < count) {
    await new Promise((r) => setTimeout(r, 200));
    if (receiver.arrivals.length !== last)
      [last, lastChange] = [receiver.arrivals.length, Date.now()];
    if (Date.now() - lastChange > idleMs)
      throw new Error(`stalled at ${receiver.arrivals.length}/${count} deliveries`);
  }
}

interface RunResult {
  readonly name: string;
  readonly mode: string;
  readonly events: number;
  readonly delivered: number;
  readonly duplicates: number;
  readonly producedInSeconds: number;
  readonly sustainedPerSecond: number;
  readonly latencyMs: LatencySummary;
  readonly auditLatencyMs?: LatencySummary | undefined;
  readonly processes: ProcessUsage[];
  /** The stack's processes (postgres, kafka, redis) and this bench process. */
  readonly stack: ProcessUsage[];
  /** The drain run's figure: deliveries / seconds from the router's resumption to the last one. */
  readonly drainPerSecond?: number | undefined;
  readonly lag: LagPoint[];
  readonly plot: string;
}

async function runPipeline(
  name: 'herald' | 'baseline',
  mode: 'max' | 'rate' | 'drain',
  count: number,
  eventsPerSecond: number,
): Promise<RunResult> {
  const prefix = `bench-${randomBytes(3).toString('hex')}.`;
  receiver.reset();
  const processes: RunningProcess[] = [];
  let inputTopic: string;
  let groups: Record<string, string>;
  let dbUrl: string | undefined;
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  let lag: LagSampler | undefined;
  try {
    if (name === 'herald') {
      dbUrl = await freshDatabase('herald_bench');
      const rulesFile = `${root}.local/bench-rules.yaml`;
      writeFileSync(rulesFile, benchRules(receiver.url, ordering));
      const common = {
        KAFKA_BROKERS: stackEnv.KAFKA_BROKERS,
        HERALD_TOPIC_PREFIX: prefix,
        HERALD_TOPIC_PARTITIONS: partitions,
        HERALD_LOG_LEVEL: 'warn',
        // Three ops servers on one machine: each picks a free port.
        HERALD_METRICS_PORT: '0',
        HERALD_METRICS_HOST: '127.0.0.1',
        ...appEnv,
      };
      const started = '"msg":"started"';
      // Apps log at warn in the bench; runMain logs "started" at info, so readiness is read at info.
      processes.push(
        await spawnHeraldApp(
          'auditor',
          root,
          [],
          {
            ...common,
            HERALD_LOG_LEVEL: 'info',
            DATABASE_URL: dbUrl,
            REDIS_URL: stackEnv.REDIS_URL,
            ...auditorEnv,
          },
          started,
          { nodeArgs },
        ),
      );
      if (auditorNice > 0) setPriority(processes[0]!.child.pid!, auditorNice);
      processes.push(
        await spawnHeraldApp(
          'worker',
          root,
          ['--channel', 'webhook'],
          {
            ...common,
            HERALD_LOG_LEVEL: 'info',
            HERALD_WEBHOOK_SECRETS: JSON.stringify({ default: secret }),
            HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
            HERALD_WORKER_CONCURRENCY: concurrency,
            // As many sockets to the receiver as jobs in flight, like the baseline's agent.
            HERALD_WEBHOOK_CONNECTIONS_PER_ORIGIN: concurrency,
            REDIS_URL: stackEnv.REDIS_URL,
            DATABASE_URL: dbUrl,
            ...workerEnv,
          },
          started,
          { nodeArgs },
        ),
      );
      processes.push(
        await spawnHeraldApp(
          'router',
          root,
          [],
          {
            ...common,
            HERALD_LOG_LEVEL: 'info',
            HERALD_RULES_FILE: rulesFile,
            REDIS_URL: stackEnv.REDIS_URL,
            DATABASE_URL: dbUrl,
            ...routerEnv,
          },
          started,
          { nodeArgs },
        ),
      );
      inputTopic = `${prefix}herald.events`;
      groups = {
        [`${prefix}herald-router`]: inputTopic,
        [`${prefix}herald-worker-webhook`]: `${prefix}herald.deliveries.webhook`,
        [`${prefix}herald-auditor`]: `${prefix}herald.status`,
      };
    } else {
      inputTopic = `${prefix}bare.events`;
      // ensureTopics waits for leaders even when a busy broker answers the create early.
      await ensureTopics(
        kafka,
        ['bare.events', 'bare.deliveries', 'bare.status'].map((t) => ({
          topic: `${prefix}${t}`,
          partitions: Number(partitions),
          replicationFactor: 1,
        })),
      );
      const script =
        baselineClient === 'platformatic'
          ? `${root}bench/e2e/dist/baseline-platformatic.js`
          : `${root}bench/e2e/dist/baseline-stage.js`;
      processes.push(
        await spawnApp(
          'bare-deliver',
          script,
          ['deliver', stackEnv.KAFKA_BROKERS, prefix],
          {},
          'ready',
          60_000,
          nodeArgs,
        ),
      );
      processes.push(
        await spawnApp(
          'bare-route',
          script,
          ['route', stackEnv.KAFKA_BROKERS, prefix, receiver.url],
          {},
          'ready',
          60_000,
          nodeArgs,
        ),
      );
      groups = {
        [`${prefix}bare-route`]: inputTopic,
        [`${prefix}bare-deliver`]: `${prefix}bare.deliveries`,
      };
    }
    // Events delivered before the clock starts (rate 0: as fast as they go).
    const warmUp = async (count: number, rate: number) => {
      if (count <= 0) return;
      await produceEvents(kafka, inputTopic, count, rate);
      await waitForArrivals(count, 30_000);
      receiver.reset();
    };
    await warmUp(warmup, 0);
    // Before the rate warm-up, so the run follows it without a pause.
    if (name === 'herald' && compactAof) await compactRedisAof(stackEnv.REDIS_URL);
    if (mode === 'rate')
      await warmUp(Math.round(eventsPerSecond * rateWarmupSeconds), eventsPerSecond);
    const redisBefore = name === 'herald' ? redisCommandStats(stackEnv.REDIS_URL) : undefined;
    const requestsDir = name === 'herald' ? appEnv.BENCH_KAFKA_REQUESTS : undefined;
    // The preload writes its totals every 200 ms: wait for the warm-up's last ones.
    if (requestsDir) await new Promise((r) => setTimeout(r, 400));
    const requestsBefore = requestsDir ? readRequestCounts(requestsDir) : undefined;
    const requestsFrom = Date.now();
    // Events produced from here on (the drain run's before its clock starts).
    const producedFrom = new Date();
    const sampler = new ProcessSampler();
    sampler.start(new Map(processes.map((p) => [p.name, p.child.pid!])));
    const machine = new ProcessSampler();
    machine.startTrees(stackPids);
    machine.start(new Map([['bench', process.pid]]));
    // The backends of the run's database (the auditor's, the apps' idle ones): Postgres's
    // part of the run without its background processes (part of "postgres" above).
    if (dbUrl && stackPids.has('postgres'))
      machine.startGroup('pg-run-db', await backendPids(dbUrl));
    lag = new LagSampler(admin, groups);
    lag.start();
    let producedInSeconds: number;
    let start: number;
    const pausedAuditor = auditorPause
      ? processes.find((p) => p.name === 'auditor')?.child
      : undefined;
    pausedAuditor?.kill('SIGSTOP');
    if (mode === 'drain') {
      // A backlog to drain, as after an outage: the router is stopped (not killed: it
      // keeps its group membership for the second or two this takes) while the events
      // are produced, then resumed; the clock starts when it resumes.
      const router = processes.find((p) => p.name === 'router')!.child;
      router.kill('SIGSTOP');
      try {
        producedInSeconds = await produceEvents(kafka, inputTopic, count, 0);
      } finally {
        start = Date.now();
        router.kill('SIGCONT');
      }
    } else {
      start = Date.now();
      producedInSeconds = await produceEvents(
        kafka,
        inputTopic,
        count,
        mode === 'rate' ? eventsPerSecond : 0,
      );
    }
    await waitForArrivals(count, 30_000);
    if (pausedAuditor) pausedAuditor.kill('SIGCONT');
    let auditLatencyMs: LatencySummary | undefined;
    if (dbUrl) {
      const client = new pg.Client({ connectionString: dbUrl });
      await client.connect();
      const deadline = Date.now() + 60_000;
      let rows: { ms: number }[] = [];
      while (Date.now() < deadline) {
        rows = (
          await client.query<{ ms: number }>(
            `select extract(epoch from recorded_at - event_time) * 1000 as ms from status_events where state = 'sent' and event_time >= $1`,
            [producedFrom],
          )
        ).rows;
        if (rows.length >= count) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      // What the auditor wrote per delivery, by state: each row was a record on
      // herald.status, consumed and written (the `sending` lever, round 5).
      const byState = (
        await client.query<{ state: string; n: string }>(
          `select state, count(*) as n from status_events where event_time >= $1 group by state order by 2 desc`,
          [producedFrom],
        )
      ).rows;
      const statusRows = byState.reduce((sum, r) => sum + Number(r.n), 0);
      console.log(
        `status rows during ${name} ${mode}: ${statusRows} (${(statusRows / count).toFixed(2)}/delivery): ${byState.map((r) => `${r.state} ${r.n}`).join(', ')}`,
      );
      await client.end();
      auditLatencyMs = latency(rows.map((r) => Math.round(Number(r.ms))));
    }
    await lag.stop();
    const usage = sampler.sample();
    if (dbUrl && stackPids.has('postgres'))
      machine.joinGroup('pg-run-db', await backendPids(dbUrl));
    const stackUsage = machine.sample();
    // How often a notification's queued and sent rows went in different audit writes:
    // each write is one transaction, so its rows share recorded_at (now()). A split pair
    // costs Postgres about twice a merged one (round 7, "Store A/B": waves / interleaved).
    // Read after the CPU sample (one scan and a hash aggregate; a self-join could take
    // seconds of the backend's CPU when the planner chose a nested loop on fresh tables).
    if (dbUrl) {
      const [pairs] = await queryOnce<{ pairs: string; split: string }>(
        dbUrl,
        `select count(*) as pairs, count(*) filter (where writes > 1) as split
             from (select count(distinct recorded_at) as writes
                     from status_events
                    where event_time >= $1 and state in ('queued', 'sent')
                    group by notification_id
                   having bool_or(state = 'queued') and bool_or(state = 'sent')) per_notification`,
        [producedFrom],
      );
      if (pairs && Number(pairs.pairs) > 0)
        console.log(
          `audit writes during ${name} ${mode}: queued and sent in different writes for ${pairs.split} of ${pairs.pairs} notifications (${((100 * Number(pairs.split)) / Number(pairs.pairs)).toFixed(1)} % split)`,
        );
    }
    if (redisBefore) {
      const after = redisCommandStats(stackEnv.REDIS_URL);
      const calls = [...after]
        .map(([cmd, n]) => [cmd, n - (redisBefore.get(cmd) ?? 0)] as const)
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1]);
      const total = calls.reduce((sum, [, n]) => sum + n, 0);
      console.log(
        `redis calls during ${name} ${mode} (${count} deliveries): ${total} (${(total / count).toFixed(2)}/delivery): ${calls.map(([c, n]) => `${c} ${n}`).join(', ')}`,
      );
    }
    const arrivals = receiver.arrivals;
    if (requestsDir && requestsBefore) {
      await new Promise((r) => setTimeout(r, 400));
      const seconds = (Date.now() - requestsFrom) / 1000;
      console.log(
        [
          `kafka requests during ${name} ${mode} (${seconds.toFixed(1)} s from ${requestsFrom} ms, ${arrivals.length} deliveries):`,
          ...requestLines(requestsBefore, readRequestCounts(requestsDir), seconds, arrivals.length),
        ].join('\n'),
      );
    }
    if (name === 'herald' && process.argv.includes('--hops')) {
      const statuses = await readStatusTimes(kafka, `${prefix}herald.status`, arrivals);
      console.log(breakdownTable(breakdowns(arrivals, statuses)));
      const stallLog = appEnv.BENCH_STALL_LOG;
      const stalls = stallLog ? readStalls(stallLog, start, Date.now()) : [];
      console.log(chunkTable(statuses, start, stalls));
      console.log(tailEpisodes(arrivals, start, stalls));
      const writes = await queryOnce<{ at: number }>(
        dbUrl!, // herald runs always have their database
        `select distinct extract(epoch from recorded_at) * 1000 as at from status_events where recorded_at >= $1`,
        [producedFrom],
      );
      console.log(
        afterWriteTable(
          arrivals,
          writes.map((r) => Number(r.at)),
        ),
      );
    }
    const runLatency = latency(arrivals.map((a) => a.at - a.sentAt));
    console.log(
      `${name} ${mode}: ${arrivals.length}/${count} delivered, ${sustained(arrivals)}/s sustained, p99 ${runLatency.p99} ms; CPU s: ${usage.map((p) => `${p.name} ${p.cpuSeconds.toFixed(1)}`).join(', ')}`,
    );
    const machineSeconds = [...usage, ...stackUsage]
      .filter((p) => p.name !== 'pg-run-db') // within "postgres" already
      .reduce((sum, p) => sum + p.cpuSeconds, 0);
    console.log(
      `${name} ${mode}: stack CPU s: ${stackUsage.map((p) => `${p.name} ${p.cpuSeconds.toFixed(2)}`).join(', ')}; apps + stack ${machineSeconds.toFixed(1)} s = ${Math.round((machineSeconds * 1e6) / Math.max(1, arrivals.length))} µs per delivery`,
    );
    return {
      name,
      mode: mode === 'rate' ? `${eventsPerSecond}/s` : mode,
      events: count,
      delivered: arrivals.length,
      duplicates: receiver.duplicates,
      producedInSeconds,
      sustainedPerSecond: sustained(arrivals),
      latencyMs: runLatency,
      auditLatencyMs,
      processes: usage,
      stack: stackUsage,
      lag: lag.points,
      drainPerSecond:
        mode === 'drain' && arrivals.length > 0
          ? Math.round(
              arrivals.length /
                ((arrivals.reduce((last, a) => Math.max(last, a.at), 0) - start) / 1000),
            )
          : undefined,
      plot: asciiPlot(`${name} ${mode}`, perSecond(arrivals, start)),
    };
  } finally {
    await lag?.stop();
    // A stopped process would not act on SIGTERM.
    if (auditorPause) for (const p of processes) p.child.kill('SIGCONT');
    for (const p of processes.reverse()) await p.stop();
    await deleteTopicsWithPrefix(kafka, prefix);
  }
}

const results: RunResult[] = [];
let heraldMax: RunResult | undefined;
let bareMax: RunResult | undefined;
try {
  if (runs.includes('herald-max'))
    results.push((heraldMax = await runPipeline('herald', 'max', events, 0)));
  if (runs.includes('baseline-max'))
    results.push((bareMax = await runPipeline('baseline', 'max', events, 0)));
  if (runs.includes('herald-rate'))
    for (const rate of rates)
      results.push(await runPipeline('herald', 'rate', rate * rateSeconds, rate));
  if (runs.includes('herald-drain'))
    results.push(await runPipeline('herald', 'drain', drainEvents, 0));
} catch (err) {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await receiver.stop();
  await admin.disconnect();
}

const ratio =
  heraldMax && bareMax && bareMax.sustainedPerSecond > 0
    ? heraldMax.sustainedPerSecond / bareMax.sustainedPerSecond
    : 0;
const table = [
  '| run | mode | delivered | sustained/s | p50 ms | p95 ms | p99 ms | max ms | audit p99 ms | CPU s (peak RSS MiB) per process | stack CPU s |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...results.map(
    (r) =>
      `| ${r.name} | ${r.mode} | ${r.delivered}/${r.events}${r.duplicates ? ` (+${r.duplicates} dup)` : ''} | ${r.sustainedPerSecond} | ${r.latencyMs.p50} | ${r.latencyMs.p95} | ${r.latencyMs.p99} | ${r.latencyMs.max} | ${r.auditLatencyMs?.p99 ?? '-'} | ${r.processes.map((p) => `${p.name} ${p.cpuSeconds.toFixed(1)} (${p.peakRssMiB})`).join(', ')} | ${r.stack.map((p) => `${p.name} ${p.cpuSeconds.toFixed(1)}`).join(', ')} |`,
  ),
  '',
  `Herald / baseline throughput: **${ratio > 0 ? ratio.toFixed(2) : '- (needs herald-max and baseline-max)'}** (profile ${profile}, ${partitions} partitions, worker concurrency ${concurrency}, ordering ${ordering}, Kafka client: Herald ${heraldClient}, bare ${baselineClient})`,
  ...targetsTable(results, ratio),
].join('\n');

/** Issue 19's targets beside this run's figures (only the rows this run measured). */
function targetsTable(all: readonly RunResult[], herald: number): string[] {
  const max = all.find((r) => r.name === 'herald' && r.mode === 'max');
  const at = (perSecond: number) => all.find((r) => r.mode === `${perSecond}/s`);
  const drain = all.find((r) => r.mode === 'drain');
  const appCpuMs = (r: RunResult) =>
    (r.processes.reduce((sum, p) => sum + p.cpuSeconds, 0) * 1000) / Math.max(1, r.delivered);
  const rows: [string, string, string | undefined][] = [
    ['deliveries/s end to end, max rate', '≥ 5,000', max && `${max.sustainedPerSecond}`],
    ['Herald ÷ bare pipe, same run', '≥ 0.35', herald > 0 ? herald.toFixed(2) : undefined],
    ['p99 event → delivery at 2,500/s', '< 250 ms', at(2500) && `${at(2500)!.latencyMs.p99} ms`],
    [
      'p50 / p99 event → delivery at 1,000/s',
      '≤ 15 / ≤ 50 ms',
      at(1000) && `${at(1000)!.latencyMs.p50} / ${at(1000)!.latencyMs.p99} ms`,
    ],
    [
      `backlog drain of ${drain?.events ?? drainEvents} events`,
      '≥ 5,800/s',
      drain?.drainPerSecond !== undefined ? `${drain.drainPerSecond}/s` : undefined,
    ],
    [
      'app CPU per delivery (max rate, all apps)',
      '≤ 0.20 ms',
      max && `${appCpuMs(max).toFixed(2)} ms`,
    ],
  ];
  const measured = rows.filter((r) => r[2] !== undefined);
  if (measured.length === 0) return [];
  return [
    '',
    '| measure (issue 19) | must reach | this run |',
    '| --- | --- | --- |',
    ...measured.map(([m, target, value]) => `| ${m} | ${target} | ${value} |`),
  ];
}

const dir = `${root}bench-results`;
mkdirSync(dir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(
  `${dir}/e2e-${stamp}.json`,
  JSON.stringify({ profile, partitions, concurrency, ratio, results }, null, 2),
);
writeFileSync(`${dir}/e2e-${stamp}.md`, `${table}\n`);
for (const r of results) console.log(`\n${r.plot}`);
console.log(`\n${table}\n\nwritten: bench-results/e2e-${stamp}.{json,md}`);

// Every connection above is closed, but a library may keep a socket or timer alive
// (kafkajs reconnects lazily): the bench ends here, so `npm test` never waits on it.
process.exit(process.exitCode ?? 0);
