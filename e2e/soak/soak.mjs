// Herald soak (issue 18, item 6): the real router, a worker (webhook + inapp), the
// auditor, the api and the gateway (their dist/main.js) on the soak's own stack instance,
// fed a steady event rate for a set time (most events produced to Kafka, every fourth
// batch through the api's POST /v1/events; a tenth are in-app messages that a live SSE
// client of the gateway receives). Every process's RSS, heap used, open fds, active
// handles and event-loop delay are sampled every few seconds; after the run a leak check
// (e2e/lib/leak-check.mjs) fails it when a metric grows past its bound after warm-up.
// It also accounts for every event (delivered and audited), fails on any process exit,
// and greps every log and status record for the credentials it configured.
// Run through scripts/soak.sh (npm run soak), which owns the stack.
//
//   node e2e/soak/soak.mjs --duration-s 180 --rate 40 --sample-s 5 --profile short
/* global fetch */
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { issueSubscriberToken, tenantSecretsFromJson } from '@herald/subscriber-auth';
import { secretScanner } from '../lib/secrets.mjs';
import { repoRoot, runArgs } from '../lib/run-args.mjs';
import { leakVerdicts, defaultLeakBounds } from '../lib/leak-check.mjs';
import { sampleProcess } from './sampler.mjs';
import { summaryTable, svgChart, shown } from './report.mjs';
import { freePorts, openSseClient, waitReady } from './harness.mjs';
import { appSpecs, prepareDatabase, startReceiver, writeRules } from './setup.mjs';

const root = repoRoot;
const args = runArgs();
const profile = args.profile ?? 'custom';
const durationMs = Number(args['duration-s'] ?? 180) * 1000;
const rate = Number(args.rate ?? 40); // events per second
const sampleMs = Number(args['sample-s'] ?? 5) * 1000;
const warmupFraction = Number(args.warmup ?? 0.2);
const settleMs = Number(args['settle-ms'] ?? 120_000);
// A harness, not an app: scripts/soak.sh sets the stack addresses.
// eslint-disable-next-line no-restricted-properties
const env = process.env;
const { KAFKA_BROKERS: brokers, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl } = env;
if (!brokers || !databaseUrl || !redisUrl) throw new Error('run through scripts/soak.sh');
const prefix = `soak-${randomBytes(3).toString('hex')}.`;
const TENANT = 'soak';
const SUBSCRIBERS = 5;
const t0 = Date.now();
const log = (msg) => console.log(`[soak +${((Date.now() - t0) / 1000).toFixed(0)}s] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
log(
  `profile=${profile} duration=${durationMs / 1000}s rate=${rate}/s sample every ${sampleMs / 1000}s`,
);

// ---- set-up: receiver, database (in-app template, tenant + API key), rules ------------
const receiver = await startReceiver();
const { accepted } = receiver;
const apiKey = await prepareDatabase(databaseUrl, TENANT, prefix);
const dir = mkdtempSync(join(tmpdir(), 'herald-soak-'));
const rulesFile = writeRules(dir, receiver.url);

// ---- processes -----------------------------------------------------------------------
const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
const gatewaySecret = randomBytes(32).toString('base64url');
const credentials = [
  webhookSecret,
  webhookSecret.slice('whsec_'.length),
  databaseUrl,
  apiKey,
  apiKey.split('_').pop(),
  gatewaySecret,
];
const leaks = new Set();
const scanForSecrets = secretScanner(credentials, leaks);
const ports = await freePorts(7);
const common = {
  PATH: env.PATH,
  KAFKA_BROKERS: brokers,
  HERALD_TOPIC_PREFIX: prefix,
  HERALD_TOPIC_PARTITIONS: '3',
  HERALD_LOG_LEVEL: 'info',
  HERALD_METRICS_HOST: '127.0.0.1',
  HERALD_SHUTDOWN_TIMEOUT_MS: '5000',
};
const apiPort = ports.pop();
const gatewayPort = ports.pop();
const specs = appSpecs({
  databaseUrl,
  redisUrl,
  rulesFile,
  tenant: TENANT,
  webhookSecret,
  gatewaySecret,
  apiPort,
  gatewayPort,
});
const procs = {};
const exits = [];
let stopping = false;
for (const [name, [script, argv, extra]] of Object.entries(specs)) {
  const opsPort = ports.pop();
  const out = openSync(join(dir, `${name}.log`), 'a');
  const child = spawn(process.execPath, [join(root, script), ...argv], {
    env: { ...common, ...extra, HERALD_METRICS_PORT: String(opsPort) },
    stdio: ['ignore', out, out],
  });
  procs[name] = { child, pid: child.pid, opsUrl: `http://127.0.0.1:${opsPort}` };
  // A soak has no faults: any exit is a failure (and ends what the samples can say).
  child.on('exit', (code, signal) => {
    if (stopping) return;
    exits.push(`${name} exited (${code ?? signal})`);
    log(`${name} exited (${code ?? signal}); see ${dir}/${name}.log`);
  });
}
// Whatever ends this script (a throw included) ends its children too.
process.on('exit', () => {
  for (const { child } of Object.values(procs)) if (child.exitCode === null) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    stopping = true;
    for (const { child } of Object.values(procs)) child.kill('SIGKILL');
    process.exit(130);
  });
log(`processes started; logs in ${dir}`);
await waitReady(procs, 120_000);
log('every process answers /readyz 200');

// ---- the status reader and the live in-app clients -------------------------------------
const kafka = new Kafka({
  clientId: 'soak',
  brokers: brokers.split(','),
  logLevel: logLevel.NOTHING,
});
const states = new Map(); // event id → last state seen on herald.status
let dlqRecords = 0;
const reader = kafka.consumer({ groupId: `${prefix}soak-reader` });
await reader.connect();
await reader.subscribe({
  topics: [`${prefix}herald.status`, `${prefix}herald.dlq`],
  fromBeginning: true,
});
await reader.run({
  eachMessage: async ({ topic, message }) => {
    scanForSecrets(`${topic} record`, message.value);
    for (const [name, value] of Object.entries(message.headers ?? {}))
      scanForSecrets(`${topic} header ${name}`, value);
    if (topic.endsWith('herald.dlq')) return void dlqRecords++;
    const { data } = JSON.parse(message.value.toString());
    if (states.get(data.eventId) !== 'sent') states.set(data.eventId, data.state);
  },
});
const secrets = tenantSecretsFromJson(JSON.stringify({ [TENANT]: gatewaySecret }));
const liveSeqs = new Set(); // seqs of in-app messages the SSE clients received
const sseClients = [];
for (let i = 0; i < SUBSCRIBERS; i++) {
  const token = await issueSubscriberToken(secrets, {
    tenant: TENANT,
    subscriber: `u${i}`,
    ttlSeconds: 86_400,
  });
  sseClients.push(
    openSseClient(`http://127.0.0.1:${gatewayPort}/v1/inbox/stream`, token, (frame) => {
      if (frame.type === 'message') liveSeqs.add(Number(frame.item.data?.seq));
    }),
  );
}

// ---- sampling ----------------------------------------------------------------------------
const series = Object.fromEntries(
  Object.keys(procs).map((n) => [
    n,
    Object.fromEntries(
      Object.keys(defaultLeakBounds)
        .concat('eventLoopDelayMs')
        .map((m) => [m, []]),
    ),
  ]),
);
let sampling = true;
const sampler = (async () => {
  const start = Date.now();
  while (sampling) {
    const t = Date.now() - start;
    const line = [];
    await Promise.all(
      Object.entries(procs).map(async ([name, target]) => {
        const sample = await sampleProcess(target);
        for (const [metric, v] of Object.entries(sample)) series[name][metric].push({ t, v });
      }),
    );
    for (const name of Object.keys(procs)) {
      const last = (m) => shown(m, series[name][m].at(-1).v);
      line.push(
        `${name} ${last('rssAnonBytes')}/${last('heapUsedBytes')}M fd=${last('fds')} h=${last('handles')} lag=${last('eventLoopDelayMs')}ms`,
      );
    }
    log(`sample ${line.join(' | ')}`);
    await sleep(sampleMs - ((Date.now() - start) % sampleMs));
  }
})();

// ---- steady production -------------------------------------------------------------------
const producer = kafka.producer({ allowAutoTopicCreation: false });
await producer.connect();
const eventId = (seq) => `${prefix}e${seq}`;
const isNote = (seq) => seq % 10 === 9;
const event = (seq) => ({
  specversion: '1.0',
  id: eventId(seq),
  source: 'soak',
  type: isNote(seq) ? 'soak.note' : 'soak.tick',
  time: new Date().toISOString(),
  tenantid: TENANT,
  data: { seq, recipient: isNote(seq) ? `u${seq % SUBSCRIBERS}` : `r${seq % 50}` },
});
const perTick = Math.max(1, Math.round(rate / 10));
let produced = 0;
let viaApi = 0;
const produceStart = Date.now();
for (let tick = 0; Date.now() - produceStart < durationMs; tick++) {
  const started = Date.now();
  const events = Array.from({ length: perTick }, (_, i) => event(produced + i));
  for (;;) {
    try {
      if (tick % 4 === 3) {
        const res = await fetch(`http://127.0.0.1:${apiPort}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(events),
        });
        if (res.status !== 202) throw new Error(`api answered ${res.status}: ${await res.text()}`);
        viaApi += events.length;
      } else
        await producer.send({
          topic: `${prefix}herald.events`,
          acks: -1,
          messages: events.map((e) => ({ key: e.data.recipient, value: JSON.stringify(e) })),
        });
      break;
    } catch (err) {
      log(`produce retry: ${err.message}`);
      await sleep(1000);
    }
  }
  produced += events.length;
  await sleep(Math.max(0, 100 - (Date.now() - started)));
}
sampling = false;
await sampler;
log(`produced ${produced} events (${viaApi} through the api); settling`);

// ---- settle and account --------------------------------------------------------------------
const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
const audited = async () =>
  Object.fromEntries(
    (
      await pool.query(
        `select state, count(*)::int as n from notifications where event_id like $1 group by state`,
        [`${prefix}%`],
      )
    ).rows.map((r) => [r.state, r.n]),
  );
// In-app messages go on from sent to delivered (the gateway handed them to a live client).
const auditedSent = (counts) => (counts.sent ?? 0) + (counts.delivered ?? 0);
const notes = Array.from({ length: produced }, (_, s) => s).filter(isNote).length;
let audit = {};
const deadline = Date.now() + settleMs;
for (;;) {
  audit = await audited().catch(() => audit);
  const sentStates = [...states.values()].filter((s) => s === 'sent').length;
  if (auditedSent(audit) === produced && sentStates === produced && liveSeqs.size === notes) break;
  if (Date.now() > deadline) break;
  log(
    `waiting: webhook accepted ${accepted.size}/${produced - notes}, live in-app ${liveSeqs.size}/${notes}, audit ${JSON.stringify(audit)}`,
  );
  await sleep(5000);
}

// ---- checks ------------------------------------------------------------------------------
const failures = [];
const check = (ok, message) => ok || failures.push(message);
const deliveredSeqs = new Set(accepted.values());
let missing = 0;
for (let s = 0; s < produced; s++)
  if (isNote(s) ? states.get(eventId(s)) !== 'sent' : !deliveredSeqs.has(s)) missing++;
check(missing === 0, `${missing} events not delivered (webhook not accepted, in-app not sent)`);
check(
  auditedSent(audit) === produced,
  `audit has ${auditedSent(audit)} sent or delivered notifications, ${produced} events were produced`,
);
check(
  liveSeqs.size === notes,
  `the live SSE clients received ${liveSeqs.size} of ${notes} in-app messages`,
);
check(dlqRecords === 0, `${dlqRecords} records on herald.dlq`);
check(exits.length === 0, `processes exited during the soak: ${exits.join('; ')}`);
for (const file of readdirSync(dir).filter((f) => f.endsWith('.log')))
  scanForSecrets(`log ${file}`, readFileSync(join(dir, file)));
check(leaks.size === 0, `configured credentials found in: ${[...leaks].join(', ')}`);
const verdicts = leakVerdicts(series, { warmupFraction });
for (const v of verdicts) check(v.ok, v.message);

// ---- report ------------------------------------------------------------------------------
console.log(`\n${summaryTable(series)}\n`);
for (const v of verdicts)
  console.log(`[soak] ${v.skipped ? 'n/a ' : v.ok ? 'ok  ' : 'LEAK'} ${v.message}`);
const elapsed = Math.round((Date.now() - t0) / 1000);
const summary = {
  profile,
  startedAt: new Date(t0).toISOString(),
  durationS: durationMs / 1000,
  rate,
  sampleS: sampleMs / 1000,
  warmupFraction,
  produced,
  viaApi,
  delivered: deliveredSeqs.size,
  liveInApp: liveSeqs.size,
  missing,
  rawDuplicates: receiver.duplicates(),
  audit,
  exits,
  secretLeaks: [...leaks],
  verdicts,
  series,
  failures,
};
const outDir = join(root, 'bench-results');
mkdirSync(outDir, { recursive: true });
const stamp = new Date(t0).toISOString().replace(/[:.]/g, '-');
const base = join(outDir, `soak-${profile}-${stamp}`);
writeFileSync(`${base}.json`, `${JSON.stringify(summary, null, 1)}\n`);
writeFileSync(
  `${base}.svg`,
  svgChart(
    series,
    `Herald soak ${profile}: ${produced} events at ${rate}/s, ${new Date(t0).toISOString()}`,
  ),
);
console.log(
  `\n[soak] profile=${profile} events=${produced} via_api=${viaApi} delivered=${deliveredSeqs.size} ` +
    `live_inapp=${liveSeqs.size}/${notes} missing=${missing} raw_duplicate_sends=${receiver.duplicates()} ` +
    `audit=${JSON.stringify(audit)} exits=${exits.length} secret_leaks=${leaks.size} elapsed=${elapsed}s`,
);
console.log(`[soak] samples: ${base}.json, chart: ${base}.svg, logs: ${dir}`);
for (const f of failures) console.log(`[soak] FAIL: ${f}`);
if (failures.length === 0) console.log('[soak] PASS');

// ---- tear down ---------------------------------------------------------------------------
stopping = true;
for (const client of sseClients) client.close();
await reader.disconnect().catch(() => undefined);
await producer.disconnect().catch(() => undefined);
await pool.end();
for (const { child } of Object.values(procs)) child.kill('SIGTERM');
await sleep(3000);
for (const { child } of Object.values(procs)) if (child.exitCode === null) child.kill('SIGKILL');
receiver.close();
process.exit(failures.length === 0 ? 0 : 1);
