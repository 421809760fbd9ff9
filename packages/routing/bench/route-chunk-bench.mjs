// The router's CPU per event, old and new builds side by side in one run (issue 19):
// chunks of herald.events records through `createRouting(...).handle` with the router
// app's own decoder (schema-registry's createEventDecoder), rule set (loadRules over
// bench/e2e's 100 rules, or a fan-out rule), metrics (prom-client counters of
// apps/router) and process spans (tracing off, as in the e2e bench). Redis, Postgres
// and Kafka are left out: dedupe grants every claim in memory, recipients are inline.
// Prints CPU µs per event (process.cpuUsage, user + system) for each build, the
// minimum over the rounds (alternated old/new, so drift hits both alike).
// --part outputs times only `eventOutputs` (outputs.js: jobs and statuses encoded) over
// items each build decoded, matched and planned beforehand with its own step modules;
// --part decode times only the decoder (`decode` of a chunk's records).
// Run (after `npx turbo run build --filter=@herald/router...` in both checkouts):
//   node packages/routing/bench/route-chunk-bench.mjs --base /path/to/other/checkout
//   [--events 500 (per chunk)] [--chunks 100] [--rounds 7] [--warmup 3] [--fanout 1] [--data-bytes 0]
//   [--part chunk|outputs|decode]
// --fanout K: each event names K inline e-mail recipients (K jobs per event) instead of
// the e2e bench's one webhook job; --data-bytes N pads each event's data with N bytes of
// text (unicode included). Without --base it measures this build only. Stops by itself.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    events: { type: 'string', default: '500' },
    chunks: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '7' },
    fanout: { type: 'string', default: '1' },
    'data-bytes': { type: 'string', default: '0' },
    base: { type: 'string' },
    warmup: { type: 'string', default: '3' },
    part: { type: 'string', default: 'chunk' },
  },
});
const perChunk = Number(opts.events);
const chunks = Number(opts.chunks);
const rounds = Number(opts.rounds);
const fanout = Number(opts.fanout);
const dataBytes = Number(opts['data-bytes']);
const base = opts.base;
const warmup = Number(opts.warmup);
const part = opts.part;
const TYPES = 100;

// bench/e2e's rules (event-producer.ts `benchRules`), or one fan-out rule per type.
function rulesYaml() {
  const lines = ['rules:'];
  for (let t = 0; t < TYPES; t++) {
    lines.push(
      `  - id: bench-${t}`,
      `    when: event.type == "bench.type-${t}" && event.data.total > 0`,
    );
    if (fanout > 1)
      lines.push(
        '    recipients: event.data.to',
        '    channels:',
        '      - type: email',
        '        template: order',
      );
    else
      lines.push(
        '    channels:',
        '      - type: webhook',
        `        url: https://hooks.example.com/hooks/${t % 10}`,
        '        secretRef: default',
        '        ordering: subject',
      );
  }
  return `${lines.join('\n')}\n`;
}

const padding =
  dataBytes > 0 ? 'naïve café ✓ '.repeat(Math.ceil(dataBytes / 13)).slice(0, dataBytes) : undefined;
const sentAt = Date.parse('2026-12-06T12:00:00.000Z');

// bench/e2e's event (event-producer.ts), as the producer writes it.
function record(i) {
  const data = {
    sentAt,
    orderId: i,
    total: 10 + (i % 500),
    currency: 'EUR',
    customer: { id: `c-${i % 5000}`, tier: i % 7 === 0 ? 'gold' : 'standard' },
    ...(fanout > 1
      ? {
          to: Array.from({ length: fanout }, (_, k) => ({
            id: `u-${(i + k) % 5000}`,
            email: `u-${(i + k) % 5000}@example.com`,
          })),
        }
      : {}),
    ...(padding === undefined ? {} : { note: padding }),
  };
  const event = {
    specversion: '1.0',
    id: randomUUID(),
    source: 'bench/orders',
    type: `bench.type-${i % TYPES}`,
    time: new Date(sentAt).toISOString(),
    tenantid: 'bench',
    subject: `customer/c-${i % 5000}`,
    datacontenttype: 'application/json',
    data,
  };
  return {
    topic: 'herald.events',
    partition: i % 6,
    offset: String(i),
    key: Buffer.from(data.customer.id),
    value: Buffer.from(JSON.stringify(event)),
    headers: {},
    timestamp: sentAt,
  };
}

async function side(name, root) {
  const at = (path) => new URL(path, `file://${root}/`).href;
  const { createRouting } = await import(at('packages/routing/dist/index.js'));
  const { loadRules } = await import(at('packages/rules/dist/index.js'));
  const { silentLogger, topicNames } = await import(at('packages/core/dist/index.js'));
  const { createEventDecoder } = await import(at('packages/schema-registry/dist/index.js'));
  const telemetry = await import(at('apps/router/dist/router-telemetry.js'));
  const { counters } = telemetry.createRouterMetrics();
  const now = new Date('2026-12-06T12:00:01.000Z');
  const routing = createRouting(
    {
      topicPrefix: '',
      defaultTenant: 'default',
      eventDedupeWindowMs: 60_000,
      maxRecordBytes: 1_048_576,
    },
    {
      decoder: createEventDecoder(undefined),
      rules: { current: loadRules(rulesYaml(), 'bench-rules.yaml') },
      dedupe: {
        claim: async (claims) => claims.map(() => true),
        release: async () => undefined,
      },
      metrics: telemetry.routingMetrics(counters),
      tracing: { open: (r) => telemetry.openProcessSpan(r, 'herald-router') },
      logger: silentLogger,
      now: () => now,
    },
  );
  const decoder = createEventDecoder(undefined);
  const run = { chunk: (records) => routing.handle(records) };
  if (part === 'decode') run.decode = (records) => decoder.decode(records);
  if (part === 'outputs') {
    // The steps before the outputs, once per chunk (as handleChunk runs them, without
    // Redis): eventOutputs is then timed alone over their items and plans.
    const step = async (file) => import(at(`packages/routing/dist/${file}`));
    const [{ decodeChunk }, { matchItems }, { planItems }, { eventOutputs }] = await Promise.all(
      ['decode-step.js', 'match-step.js', 'plan-step.js', 'outputs.js'].map(step),
    );
    const metrics = telemetry.routingMetrics(counters);
    const context = {
      topics: topicNames(''),
      defaultTenant: 'default',
      metrics,
      log: silentLogger,
    };
    const ruleSet = loadRules(rulesYaml(), 'bench-rules.yaml');
    const prepared = new Map();
    run.outputs = async (records) => {
      let ready = prepared.get(records);
      if (ready === undefined) {
        const spans = records.map((r) => telemetry.openProcessSpan(r, 'herald-router'));
        const { items } = await decodeChunk(records, spans, { decoder, metrics }, () => undefined);
        matchItems(items, ruleSet, now, context);
        const plans = await planItems(items, now, {
          defaultTenant: 'default',
          recipients: undefined,
        });
        ready = { items, plans };
        prepared.set(records, ready);
      }
      const outputs = [];
      ready.items.forEach((item, n) =>
        outputs.push(...eventOutputs(item, ready.plans[n], now, context)),
      );
      return outputs;
    };
  }
  return { name, run: run[part], us: [], outputs: 0 };
}

const here = fileURLToPath(new URL('../../../', import.meta.url));
const sides = [await side('new', here.replace(/\/$/, ''))];
if (base !== undefined) sides.unshift(await side('old', base.replace(/\/$/, '')));
const data = Array.from({ length: chunks }, (_, c) =>
  Array.from({ length: perChunk }, (_, k) => record(c * perChunk + k)),
);

async function run(s, n = chunks) {
  let outputs = 0;
  for (let c = 0; c < n; c++) outputs += (await s.run(data[c])).length;
  return outputs;
}

// Warm up (JIT tiers, heap sizing): whole passes, alternated like the rounds.
for (let w = 0; w < warmup; w++) for (const s of sides) s.outputs = await run(s);
for (let round = 0; round < rounds; round++) {
  for (const s of round % 2 === 0 ? sides : [...sides].reverse()) {
    globalThis.gc?.();
    const before = process.cpuUsage();
    const outputs = await run(s);
    const used = process.cpuUsage(before);
    s.us.push((used.user + used.system) / (chunks * perChunk));
    s.outputs = outputs;
  }
}
const fmt = (x) => x.toFixed(2);
console.log(
  `${part}: ${chunks} chunks of ${perChunk} events × ${rounds} rounds, ${fanout} job(s) per event, data padding ${dataBytes} bytes`,
);
for (const { name, us, outputs } of sides)
  console.log(
    `${name}: min ${fmt(Math.min(...us))} µs CPU/event (${outputs} outputs per round); rounds ${us.map(fmt).join(' ')}`,
  );
if (sides.length === 2) {
  const [old, now] = sides.map((s) => Math.min(...s.us));
  console.log(`new/old: ${(now / old).toFixed(3)} (${fmt(old - now)} µs less per event)`);
}
