// Herald chaos suite: N events through the real router, two webhook workers and the
// auditor (their dist/main.js), on the chaos stack instance, while a seeded schedule
// SIGKILLs a worker, restarts Kafka, stops Redis and stops Postgres, and receivers
// answer 500, 429 + Retry-After, hang past the timeout, or refuse (400). Some events
// are digested (collected per recipient, sent as one message), delayed, or delayed
// and then cancelled by a later event (issue 16). After the
// system settles it accounts for every event and checks duplicates, the audit tables
// and the rate limit. Run through scripts/chaos.sh (npm run chaos), which owns the stack.
//
//   node e2e/chaos/chaos.mjs --events 3000 --seed 42 --settle-ms 180000
//
// Exit code 0 = every assertion held; the counts are printed either way. An app that exits
// on its own fails the run (a dependency outage must be ridden out); `--allow-exits`
// restarts and counts it instead, for debugging something else.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { readDeadLetter } from '@herald/delivery';
import {
  createDatabase,
  migrateToLatest,
  RateLimitPolicyStore,
  TemplateStore,
} from '@herald/store';
import { silentLogger } from '@herald/core';
import { secretScanner } from '../lib/secrets.mjs';
import { repoRoot, runArgs } from '../lib/run-args.mjs';
import {
  answeredOn,
  createDuplicateLedger,
  requestOn,
  TIMER_SLACK_MS,
  watchDroppedAnswers,
} from './duplicates.mjs';
import { traceMissing } from './missing.mjs';
import { createAdmissions } from './admissions.mjs';
import { tcpPortsOf } from './proc-ports.mjs';

const root = repoRoot;
const args = runArgs();
const N = Number(args.events ?? 3000);
const seed = Number(args.seed ?? Math.floor(Math.random() * 2 ** 31));
const settleMs = Number(args['settle-ms'] ?? 180_000);
const rateEps = Number(args.rate ?? 400); // events per second pushed
const allowExits = 'allow-exits' in args;
// --max-raw-percent P: fail when raw duplicate sends exceed P % of the deliveries (the
// cluster profile's bound, issue 18: 0.1). Unset: printed, not judged.
const maxRawPercent =
  args['max-raw-percent'] === undefined ? undefined : Number(args['max-raw-percent']);
// --cluster: the three-broker Kafka and the Redis Cluster of `stack.sh cluster` (the
// cluster profile of scripts/chaos.sh); the faults kill a leader broker and a Redis primary.
const onCluster = 'cluster' in args;
// A harness, not an app: scripts/chaos.sh sets the stack addresses and HERALD_STACK_* ports.
// eslint-disable-next-line no-restricted-properties
const env = process.env;
const brokers = env.KAFKA_BROKERS;
const databaseUrl = env.DATABASE_URL;
const redisUrl = env.REDIS_URL;
if (!brokers || !databaseUrl || !redisUrl) throw new Error('run through scripts/chaos.sh');
console.log(`[chaos] seed=${seed} events=${N} rate=${rateEps}/s settle<=${settleMs}ms`);

// mulberry32: the same seed gives the same modes and the same fault times.
function rng(a) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(seed);
const prefix = `chaos-${seed}-${randomBytes(3).toString('hex')}.`;
const t0 = Date.now();
const log = (msg) => console.log(`[chaos +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

// ---- receivers -------------------------------------------------------------------
// Modes per event: ok, e500 (first try 500), e429 (first try 429 Retry-After: 1),
// hang (first try never answered), perm (always 400 → DLQ), hot (one recipient, rate limited),
// digest (collected into a digest), delay (sent 4 s later), delaycancel (delayed, then a
// `chaos.cancel` event cancels it: either it is cancelled or, if the cancel came late, sent).
const RECIPIENTS = 50;
const HOT_LIMIT = { limit: 5, periodMs: 1000, burst: 5 };
// The rate-limited recipient drains at 5/s: cap its share so settling stays bounded.
const HOT_MAX = 150;
let hotCount = 0;
const modes = [];
for (let i = 0; i < N; i++) {
  const r = random();
  if (r >= 0.88 && hotCount++ >= HOT_MAX) {
    modes.push('ok');
    continue;
  }
  modes.push(
    r < 0.45
      ? 'ok'
      : r < 0.52
        ? 'digest'
        : r < 0.56
          ? 'delay'
          : r < 0.6
            ? 'delaycancel'
            : r < 0.7
              ? 'e500'
              : r < 0.8
                ? 'e429'
                : r < 0.85
                  ? 'hang'
                  : r < 0.88
                    ? 'perm'
                    : 'hot',
  );
}
const seen = new Map(); // webhook-id → attempts
const digestsAccepted = new Map(); // webhook-id of a digest → the seqs it carried
const accepted = new Map(); // webhook-id → seq (first 2xx: the deduplicated effect)
// The workers give up on a webhook after this (HERALD_WEBHOOK_TIMEOUT_MS).
const WEBHOOK_TIMEOUT_MS = 1500;
// 2xx answered again for an id already accepted, split by cause at the end (duplicates.mjs).
const duplicates = createDuplicateLedger({ timeoutMs: WEBHOOK_TIMEOUT_MS });
const hotTimes = []; // receiver-side arrival times of every request to the rate-limited recipient
// The workers' admissions to the rate-limited recipient: when each attempt began (its
// outcome's attemptStartedAt, or a legacy `sending` record), admissions.mjs.
const hotAdmissions = createAdmissions();
const hung = new Set();
/**
 * Answers an accepted request. An answer the worker cannot have seen in time — written
 * later than its timeout after the second the worker signed the request in (this
 * process or the worker was busy, the request sat in a socket), or onto a connection it
 * already closed — is an attempt that ended unanswered on its side, although the
 * receiver acted on it: the worker retries, and the chunk that attempt was in may fail
 * before its `retrying` status is published, so the receiver says so itself.
 */
function acceptWith(res, request, arrived) {
  // The worker's timeout ran from before the arrival, and fires up to TIMER_SLACK_MS late.
  const answeredAt = Date.now();
  answeredOn(res.req.socket, request, answeredAt);
  const late = answeredAt - arrived >= WEBHOOK_TIMEOUT_MS + TIMER_SLACK_MS;
  res.once('close', () => {
    if (late) request.unanswer('late');
    else if (!res.writableFinished) request.unanswer('closed');
    // When the answer was written (end() writes it at once), not when `close` came: a
    // busy receiver emits that later, which must not make the answer look late.
    else request.answered(answeredAt);
  });
  res.writeHead(204).end();
}
/** The second the worker signed a request in (`webhook-timestamp`). */
const sentSecOf = (req) => Number(req.headers['webhook-timestamp']);
const server = createServer((req, res) => {
  const arrived = Date.now();
  requestOn(req.socket);
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const [, kind, mode] = (req.url ?? '').split('/');
    const id = String(req.headers['webhook-id']);
    if (kind === 'digest') {
      const request = duplicates.accepted(id, Date.now(), sentSecOf(req), req.socket.remotePort);
      if (!request.duplicate)
        digestsAccepted.set(
          id,
          JSON.parse(Buffer.concat(chunks).toString('utf8')).seqs.map(Number),
        );
      return acceptWith(res, request, arrived);
    }
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    if (mode === 'hot') hotTimes.push(Date.now());
    if (mode === 'perm') return res.writeHead(400).end('{"error":"refused"}');
    if (n === 1 && mode === 'e500') return res.writeHead(500).end();
    if (n === 1 && mode === 'e429') return res.writeHead(429, { 'retry-after': '1' }).end();
    if (n === 1 && mode === 'hang') {
      hung.add(res);
      return; // never answered: the worker times out and retries
    }
    const request = duplicates.accepted(id, Date.now(), sentSecOf(req), req.socket.remotePort);
    if (!request.duplicate)
      accepted.set(id, JSON.parse(Buffer.concat(chunks).toString('utf8')).seq);
    acceptWith(res, request, arrived);
  });
});
watchDroppedAnswers(server);
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const receiver = `http://127.0.0.1:${server.address().port}`;

// ---- set-up: database, policy, rules ---------------------------------------------
const database = createDatabase({ url: databaseUrl, poolSize: 2, logger: silentLogger });
await migrateToLatest(database);
await new RateLimitPolicyStore(database).upsert({
  id: `${prefix}hot`,
  scope: 'recipient',
  tenant: 'chaos',
  channel: 'webhook',
  provider: null,
  limit: HOT_LIMIT.limit,
  periodMs: HOT_LIMIT.periodMs,
  burst: HOT_LIMIT.burst,
  action: 'defer',
  bypassCritical: false,
});
await new TemplateStore(database).apply(
  {
    templates: [
      {
        id: 'chaos-digest',
        channel: 'webhook',
        locale: 'default',
        parts: { body: { count: '{{count}}', seqs: { $each: 'items', $template: '{{seq}}' } } },
      },
    ],
  },
  { actor: 'chaos' },
);
await database.destroy();
const dir = mkdtempSync(join(tmpdir(), 'herald-chaos-'));
const rulesFile = join(dir, 'rules.yaml');
writeFileSync(
  rulesFile,
  `rules:
  - id: chaos
    when: event.type == "chaos.tick"
    recipients: '[{"id": event.data.recipient, "webhook": "${receiver}/r/" + event.data.mode + "/" + event.data.recipient}]'
    channels:
      - type: webhook
        secretRef: default
  - id: chaos-digest
    when: event.type == "chaos.digest"
    recipients: '[{"id": "dg-" + event.data.recipient, "webhook": "${receiver}/digest/" + event.data.recipient}]'
    channels:
      - type: webhook
        secretRef: default
        digest: { key: "'all'", window: 3s, max: 25, template: chaos-digest }
  - id: chaos-delayed
    when: event.type == "chaos.delayed"
    recipients: '[{"id": "dl-" + event.data.recipient, "webhook": "${receiver}/r/" + event.data.mode + "/" + event.data.recipient}]'
    cancel: { on: event.type == "chaos.cancel", key: event.data.cart }
    channels:
      - type: webhook
        secretRef: default
        delay: 4s
`,
);

// ---- processes -------------------------------------------------------------------
const common = {
  PATH: env.PATH,
  KAFKA_BROKERS: brokers,
  HERALD_TOPIC_PREFIX: prefix,
  HERALD_TOPIC_PARTITIONS: '6',
  HERALD_LOG_LEVEL: 'warn',
  HERALD_METRICS_PORT: '0',
  HERALD_METRICS_HOST: '127.0.0.1',
  HERALD_SHUTDOWN_TIMEOUT_MS: '5000',
  // The Kafka client under test (docs/ARCHITECTURE.md, "Kafka client"), passed through.
  ...(env.HERALD_KAFKA_CLIENT ? { HERALD_KAFKA_CLIENT: env.HERALD_KAFKA_CLIENT } : {}),
  ...(onCluster
    ? {
        HERALD_TOPIC_REPLICATION: env.HERALD_TOPIC_REPLICATION ?? '3',
        HERALD_TOPIC_MIN_INSYNC_REPLICAS: env.HERALD_TOPIC_MIN_INSYNC_REPLICAS ?? '2',
      }
    : {}),
};
const secret = `whsec_${randomBytes(24).toString('base64')}`;
const specs = {
  router: [
    'apps/router/dist/main.js',
    [],
    {
      REDIS_URL: redisUrl,
      // The router writes cancel marks (rules' cancel.on) to Postgres.
      DATABASE_URL: databaseUrl,
      HERALD_RULES_FILE: rulesFile,
      HERALD_DEFAULT_TENANT: 'chaos',
    },
  ],
  auditor: ['apps/auditor/dist/main.js', [], { DATABASE_URL: databaseUrl }],
};
const workerEnv = {
  REDIS_URL: redisUrl,
  DATABASE_URL: databaseUrl,
  HERALD_WEBHOOK_SECRETS: JSON.stringify({ default: secret }),
  HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  HERALD_WEBHOOK_TIMEOUT_MS: String(WEBHOOK_TIMEOUT_MS),
  HERALD_RATELIMIT_FAIL_MODE: 'closed',
  HERALD_RATELIMIT_REFRESH_MS: '2000',
  HERALD_WORKER_RETRY_POLICIES: JSON.stringify({
    webhook: {
      maxAttempts: 10,
      baseDelayMs: 200,
      maxDelayMs: 2000,
      minDelayMs: 100,
      retryAfterMaxMs: 2000,
      maxAgeMs: 600_000,
    },
  }),
  HERALD_WORKER_BREAKER: JSON.stringify({ minRequests: 200, failureRatio: 0.9, openMs: 1000 }),
};
specs.workerA = ['apps/worker/dist/main.js', ['--channel', 'webhook'], workerEnv];
// A fleet mid-upgrade: workerB also publishes the legacy `sending` record (off by
// default), so the ledgers below read both shapes of the status stream in one run.
specs.workerB = [
  'apps/worker/dist/main.js',
  ['--channel', 'webhook'],
  { ...workerEnv, HERALD_WORKER_SENDING_STATUS: 'true' },
];
const procs = {};
const killed = new Set(); // children the schedule killed on purpose
let unexpectedExits = 0;
function launch(name) {
  const [script, argv, extra] = specs[name];
  const out = openSync(join(dir, `${name}.log`), 'a');
  const child = spawn(process.execPath, [join(root, script), ...argv], {
    env: { ...common, ...extra },
    stdio: ['ignore', out, out],
  });
  procs[name] = child;
  child.on('exit', (code, signal) => {
    if (procs[name] !== child || stopping) return;
    log(`${name} exited (${code ?? signal})`);
    if (killed.delete(child)) return;
    // Counted, and a failure unless --allow-exits; restarted either way, like a
    // Deployment would, so the run still accounts for every event.
    unexpectedExits++;
    setTimeout(() => !stopping && launch(name), 1000);
  });
}
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    stopping = true;
    for (const child of Object.values(procs)) child.kill('SIGKILL');
    process.exit(130);
  });
let stopping = false;
for (const name of Object.keys(specs)) launch(name);
log(`processes started; logs in ${dir}`);

// ---- faults ----------------------------------------------------------------------
const stack = (action, service) => {
  log(`stack ${action} ${service}`);
  execFileSync('bash', [join(root, 'deploy/local/stack.sh'), action, service], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
};
const cluster = (...argv) => {
  log(`cluster ${argv.join(' ')}`);
  return execFileSync('bash', [join(root, 'deploy/local/stack.sh'), 'cluster', ...argv], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
    encoding: 'utf8',
  });
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// The broker leading most partitions of the busiest topic (the webhook deliveries).
async function busiestLeader() {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({
      topics: [`${prefix}herald.deliveries.webhook`],
    });
    const count = new Map();
    for (const p of topics[0].partitions) count.set(p.leader, (count.get(p.leader) ?? 0) + 1);
    return [...count.entries()].sort((a, b) => b[1] - a[1])[0][0];
  } finally {
    await admin.disconnect();
  }
}
// A Redis Cluster node that is a primary now (node numbers as cluster.sh counts them).
function redisPrimary() {
  const base = Number(env.HERALD_CLUSTER_REDIS_PORT ?? 27001);
  for (let n = 1; n <= 6; n++) {
    try {
      const role = execFileSync('redis-cli', ['-p', String(base + n - 1), 'role'], {
        encoding: 'utf8',
      });
      if (role.startsWith('master')) return n;
    } catch {
      // node down: not a primary
    }
  }
  throw new Error('no Redis primary answers');
}
const produceMs = (N / rateEps) * 1000;
const at = (fraction) => Math.round(produceMs * fraction * (0.9 + 0.2 * random()));
const faults = [
  [
    at(0.15),
    'SIGKILL workerA mid-batch',
    async () => {
      // Mid-batch: only once the receivers are busy.
      while (seen.size < Math.min(200, N / 10)) await sleep(50);
      log(`SIGKILL workerA after ${seen.size} notifications reached the receivers`);
      duplicates.fault('SIGKILL workerA', Date.now());
      // Its connections to the receivers: requests on them are its sends in flight.
      const ports = tcpPortsOf(procs.workerA.pid);
      killed.add(procs.workerA);
      procs.workerA.kill('SIGKILL');
      duplicates.killed(Date.now(), ports);
      await sleep(1500);
      launch('workerA');
    },
  ],
  ...(onCluster
    ? [
        [
          at(0.35),
          'SIGKILL the leader broker of the busiest partitions',
          async () => {
            const leader = await busiestLeader();
            cluster('kill', 'kafka', String(leader));
            await sleep(5000);
            cluster('start', 'kafka', String(leader));
          },
        ],
        [
          at(0.6),
          'SIGKILL a Redis primary',
          async () => {
            const primary = redisPrimary();
            cluster('kill', 'redis', String(primary));
            await sleep(5000);
            cluster('start', 'redis', String(primary));
          },
        ],
      ]
    : [
        [
          at(0.35),
          'restart Kafka',
          async () => {
            stack('down', 'kafka');
            await sleep(2000);
            stack('up', 'kafka');
          },
        ],
        [
          at(0.6),
          'stop/start Redis',
          async () => {
            stack('down', 'redis');
            await sleep(3000);
            stack('up', 'redis');
          },
        ],
      ]),
  [
    at(0.8),
    'stop/start Postgres',
    async () => {
      stack('down', 'postgres');
      await sleep(3000);
      stack('up', 'postgres');
    },
  ],
];
let productionStarted;
const started = new Promise((r) => (productionStarted = r));
const faultsDone = (async () => {
  await started;
  let elapsed = 0;
  for (const [when, name, run] of faults.sort((a, b) => a[0] - b[0])) {
    await sleep(Math.max(0, when - elapsed));
    const started = Date.now();
    log(`fault: ${name}`);
    duplicates.fault(name, Date.now());
    await run();
    elapsed = when + (Date.now() - started);
  }
})();

// ---- produce ---------------------------------------------------------------------
const kafka = new Kafka({
  clientId: 'chaos',
  brokers: brokers.split(','),
  logLevel: logLevel.NOTHING,
  retry: { retries: 30, maxRetryTime: 5000 },
});
const producer = kafka.producer({ allowAutoTopicCreation: false });
await producer.connect();
await sleep(3000); // let the router create its topics
const eventId = (seq) => `${prefix}e${seq}`;
/** The seq of one of this run's event ids (NaN for another's). */
const seqOf = (id) => Number(String(id).slice(`${prefix}e`.length));
const recipientOf = (seq) => (modes[seq] === 'hot' ? 'hot' : `r${seq % RECIPIENTS}`);
const batch = Math.max(1, Math.round(rateEps / 10));
for (let seq = 0; seq < N; seq += batch) {
  const started = Date.now();
  const messages = [];
  for (let s = seq; s < Math.min(N, seq + batch); s++) {
    const mode = modes[s];
    const type =
      mode === 'digest'
        ? 'chaos.digest'
        : mode === 'delay' || mode === 'delaycancel'
          ? 'chaos.delayed'
          : 'chaos.tick';
    messages.push({
      key: recipientOf(s),
      value: JSON.stringify({
        specversion: '1.0',
        id: eventId(s),
        source: 'chaos',
        type,
        time: new Date().toISOString(),
        tenantid: 'chaos',
        data: { seq: s, mode, recipient: recipientOf(s), cart: eventId(s) },
      }),
    });
    // Behind its event on the same partition; the router marks the cancel at once.
    if (mode === 'delaycancel')
      messages.push({
        key: recipientOf(s),
        value: JSON.stringify({
          specversion: '1.0',
          id: `${eventId(s)}-cancel`,
          source: 'chaos',
          type: 'chaos.cancel',
          tenantid: 'chaos',
          data: { cart: eventId(s) },
        }),
      });
  }
  for (;;) {
    try {
      await producer.send({ topic: `${prefix}herald.events`, acks: -1, messages });
      if (seq === 0) productionStarted();
      break;
    } catch (err) {
      log(`produce retry: ${err.message}`);
      await sleep(1000);
    }
  }
  await sleep(Math.max(0, 100 - (Date.now() - started)));
}
log(`produced ${N} events`);
await faultsDone;
log('faults done; settling');

// ---- secrets: no credential the run configured may appear in a log or a record ------
// The webhook signing secret (whole and without its prefix) and the Postgres URL with
// its password. Every hit is a place that leaked it.
const credentials = [secret, secret.slice('whsec_'.length), databaseUrl];
const leaks = new Set();
const scanForSecrets = secretScanner(credentials, leaks);

// ---- settle: read status and DLQ, wait until every event is accounted for --------
const dlq = new Map(); // notification id → seq
const suppressed = new Map(); // event id → reason
const cancelled = new Set(); // event ids whose notification was cancelled
const notificationOfEvent = new Map();
const reader = kafka.consumer({ groupId: `${prefix}chaos-reader`, retry: { retries: 30 } });
await reader.connect();
await reader.subscribe({
  topics: [`${prefix}herald.status`, `${prefix}herald.dlq`],
  fromBeginning: true,
});
await reader.run({
  eachMessage: async ({ topic, partition, message }) => {
    scanForSecrets(`${topic} record`, message.value);
    for (const [name, value] of Object.entries(message.headers ?? {}))
      scanForSecrets(`${topic} header ${name}`, value);
    if (topic.endsWith('herald.dlq')) {
      const { letter } = readDeadLetter({ ...message, partition });
      if (letter.job) dlq.set(letter.notificationId, letter.job.payload?.seq);
      return;
    }
    const status = JSON.parse(message.value.toString());
    notificationOfEvent.set(status.data.eventId, status.subject);
    duplicates.status(status);
    // One admission per attempt of the hot recipient's jobs (admissions.mjs).
    if (modes[seqOf(status.data.eventId)] === 'hot') hotAdmissions.status(status);
    if (status.data.state === 'suppressed') suppressed.set(status.data.eventId, status.data.reason);
    if (status.data.state === 'cancelled') cancelled.add(status.data.eventId);
  },
});
const deliveredSeqs = () => new Set(accepted.values());
const digestedSeqs = () => [...digestsAccepted.values()].flat();
function account() {
  const delivered = deliveredSeqs();
  const digested = new Set(digestedSeqs());
  const dlqSeqs = new Set(dlq.values());
  let missing = 0;
  const examples = []; // a few missing events, printed if the run ends with any
  const ids = []; // the first missing event ids, traced through the topics at the end
  for (let s = 0; s < N; s++)
    if (
      !delivered.has(s) &&
      !digested.has(s) &&
      !cancelled.has(eventId(s)) &&
      !dlqSeqs.has(s) &&
      !suppressed.has(eventId(s))
    ) {
      missing++;
      if (ids.length < 30) ids.push(eventId(s));
      if (examples.length < 5)
        examples.push(
          `${eventId(s)} (${modes[s]}, ${notificationOfEvent.get(eventId(s)) ?? 'no status'})`,
        );
    }
  return {
    delivered: delivered.size,
    digested: digested.size,
    cancelled: cancelled.size,
    dlq: dlqSeqs.size,
    suppressed: suppressed.size,
    missing,
    examples,
    ids,
  };
}
const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
async function audit() {
  const { rows } = await pool.query(
    // A digest is a notification of its own, under event id = its id (event type herald.digest).
    `select state, count(*)::int as n from notifications
     where event_id like $1
        or (event_type = 'herald.digest' and rule_id = 'chaos-digest' and first_status_at >= $2)
     group by state`,
    [`${prefix}%`, new Date(t0)],
  );
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}
const deadline = Date.now() + settleMs;
let counts = account();
let auditCounts = {};
for (;;) {
  counts = account();
  try {
    auditCounts = await audit();
  } catch (err) {
    log(`audit query failed: ${err.message}`);
  }
  const audited = (auditCounts.sent ?? 0) + (auditCounts.delivered ?? 0);
  if (
    counts.missing === 0 &&
    audited === counts.delivered + digestsAccepted.size &&
    (auditCounts.dead_lettered ?? 0) === dlq.size
  )
    break;
  if (Date.now() > deadline) {
    log('settle deadline reached');
    break;
  }
  const { examples: _, ids: __, ...shown } = counts;
  log(`waiting: ${JSON.stringify(shown)} audit=${JSON.stringify(auditCounts)}`);
  await sleep(5000);
}

// ---- checks ----------------------------------------------------------------------
const failures = [];
const check = (ok, message) => {
  if (!ok) failures.push(message);
};
check(
  counts.missing === 0,
  `${counts.missing} events not accounted for (not delivered, suppressed or in the DLQ)`,
);
const expectedDlq = modes.filter((m) => m === 'perm').length;
check(
  dlq.size === expectedDlq,
  `DLQ holds ${dlq.size} notifications, receivers refused ${expectedDlq}`,
);
// A deduplicating receiver applies each webhook-id once; check that ids map to one event.
const effectsPerSeq = new Map();
for (const s of accepted.values()) effectsPerSeq.set(s, (effectsPerSeq.get(s) ?? 0) + 1);
const multi = [...effectsPerSeq.values()].filter((n) => n > 1).length;
check(multi === 0, `${multi} events produced more than one notification id with an effect`);
const audited = (auditCounts.sent ?? 0) + (auditCounts.delivered ?? 0);
check(
  audited === accepted.size + digestsAccepted.size,
  `audit has ${audited} sent notifications, receivers accepted ${accepted.size} + ${digestsAccepted.size} digests`,
);
// Digests: every digested event in exactly one digest that was sent, none in two.
const inDigests = digestedSeqs();
const digestSeqs = modes.flatMap((m, s) => (m === 'digest' ? [s] : []));
check(
  inDigests.length === new Set(inDigests).size,
  `${inDigests.length - new Set(inDigests).size} digest items were sent in two digests`,
);
check(
  digestSeqs.every((s) => inDigests.includes(s)) && inDigests.every((s) => modes[s] === 'digest'),
  `digests carry ${inDigests.length} items, ${digestSeqs.length} events were digested`,
);
check(
  (auditCounts.digested ?? 0) === digestSeqs.length,
  `audit has ${auditCounts.digested ?? 0} digested notifications, ${digestSeqs.length} events were digested`,
);
// Delay and cancel: a cancellable notification is sent or cancelled, never both; one
// nobody cancelled is sent.
const delivered = deliveredSeqs();
let cancelClashes = 0;
let delayedCancelled = 0;
for (let s = 0; s < N; s++) {
  const wasCancelled = cancelled.has(eventId(s));
  if (wasCancelled && delivered.has(s)) cancelClashes++;
  if (modes[s] === 'delay' && wasCancelled) delayedCancelled++;
}
check(cancelClashes === 0, `${cancelClashes} notifications were both cancelled and sent`);
check(
  delayedCancelled === 0,
  `${delayedCancelled} delayed notifications nobody cancelled were cancelled`,
);
check(
  (auditCounts.cancelled ?? 0) === cancelled.size,
  `audit has ${auditCounts.cancelled ?? 0} cancelled, status stream ${cancelled.size}`,
);
check(
  (auditCounts.dead_lettered ?? 0) === dlq.size,
  `audit has ${auditCounts.dead_lettered ?? 0} dead-lettered, DLQ ${dlq.size}`,
);
// Rate limit: GCRA allows `burst` at once then `limit` per period; no window of one
// period may see more than limit + burst requests at the receiver.
/** The most of `times` in any window of one period. */
function maxPerPeriod(times) {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= HOT_LIMIT.periodMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}
// The limiter's contract is about admissions: judged on when the workers began each attempt. The
// receiver's arrival times are printed too; a stalled worker or a busy receiver bunches
// requests the limiter spaced out (e.g. 12/10 at load 28 while admissions were within).
const maxInWindow = maxPerPeriod(hotAdmissions.times);
const receivedInWindow = maxPerPeriod(hotTimes);
const allowed = HOT_LIMIT.limit + HOT_LIMIT.burst;
check(
  allowExits || unexpectedExits === 0,
  `${unexpectedExits} unexpected app exits (a dependency outage must not end a process; see ${dir}/*.log)`,
);
for (const file of readdirSync(dir).filter((f) => f.endsWith('.log')))
  scanForSecrets(`log ${file}`, readFileSync(join(dir, file)));
check(leaks.size === 0, `configured credentials found in: ${[...leaks].join(', ')}`);
check(
  maxInWindow <= allowed,
  `rate limit exceeded: ${maxInWindow} admissions in ${HOT_LIMIT.periodMs} ms (allowed ${allowed})`,
);

const attempts = [...seen.values()].reduce((a, b) => a + b, 0);
const dupes = duplicates.classify();
const rawPercent = (100 * dupes.avoidable) / Math.max(1, counts.delivered + digestsAccepted.size);
check(
  maxRawPercent === undefined || rawPercent <= maxRawPercent,
  `${dupes.avoidable} raw duplicate sends = ${rawPercent.toFixed(3)} % of deliveries (bound ${maxRawPercent} %)`,
);
console.log(
  `\n[chaos] seed=${seed} events=${N} delivered=${counts.delivered} dlq=${dlq.size} suppressed=${counts.suppressed} ` +
    `digested=${counts.digested} in ${digestsAccepted.size} digests cancelled=${counts.cancelled} ` +
    `missing=${counts.missing} http_requests=${attempts} raw_duplicate_sends=${dupes.avoidable} (${rawPercent.toFixed(3)} %) ambiguous_retries=${dupes.ambiguous} ` +
    `multi_effect=${multi} unexpected_exits=${unexpectedExits} secret_leaks=${leaks.size} audit=${JSON.stringify(auditCounts)} hot_max_per_${HOT_LIMIT.periodMs}ms=${maxInWindow}/${allowed} (received ${receivedInWindow}, ${hotAdmissions.times.length} admissions) ` +
    `elapsed=${((Date.now() - t0) / 1000).toFixed(0)}s`,
);
if (dupes.ambiguous > 0)
  console.log(`[chaos] ambiguous retries told apart by: ${JSON.stringify(dupes.ambiguousBy)}`);
const reasons = {};
for (const r of suppressed.values()) reasons[r] = (reasons[r] ?? 0) + 1;
if (suppressed.size > 0) console.log(`[chaos] suppressed reasons: ${JSON.stringify(reasons)}`);
if (dupes.avoidable > 0) {
  console.log(`[chaos] raw duplicate sends by cause: ${JSON.stringify(dupes.causes)}`);
  // Times in ms since the run began: the two accepts and the notification's statuses.
  const rel = (ms) => ms - t0;
  for (const s of dupes.samples)
    console.log(
      `[chaos]   ${s.id}: accepted at ${rel(s.previous)} (signed ${rel(s.previousSentSec * 1000)}) and ${rel(s.at)}; statuses ` +
        s.statuses.map((x) => `${x.state}#${x.attempt}@${rel(x.at)}`).join(' '),
    );
}
if (counts.missing > 0) {
  console.log(`[chaos] missing, e.g.: ${counts.examples.join(', ')}`);
  await traceMissing(kafka, prefix, counts.ids, (line) => console.log(`[chaos]   ${line}`)).catch(
    (err) => console.log(`[chaos] tracing the missing events failed: ${err.message}`),
  );
}
for (const f of failures) console.log(`[chaos] FAIL: ${f}`);
if (failures.length === 0) console.log('[chaos] PASS');

// ---- tear down -------------------------------------------------------------------
stopping = true;
await reader.disconnect().catch(() => undefined);
await producer.disconnect().catch(() => undefined);
await pool.end();
for (const child of Object.values(procs)) child.kill('SIGTERM');
await sleep(3000);
for (const child of Object.values(procs)) if (child.exitCode === null) child.kill('SIGKILL');
for (const res of hung) res.destroy();
server.closeAllConnections();
server.close();
process.exit(failures.length === 0 ? 0 : 1);
