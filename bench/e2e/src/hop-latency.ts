/**
 * `node dist/hop-latency.js [--rate R] [--seconds S] [--client C] [--base DIR] [--handle-ms N]`: event → end
 * latency through two StageConsumer hops (consume → produce with acks -1 → commit, then
 * consume again, like router → worker), for two chains side by side. Both chains read the
 * same input records at the same time on the same machine, so their difference is the
 * variant's, whatever else the machine is doing (docs/benchmarks.md, rounds 3 and 4).
 *
 * Chains (both on `--client`, kafkajs or platformatic; default platformatic):
 *   without --base  linger 64 KiB / 20 ms (round 2's router and worker) against
 *                   at-once 1 byte / 100 ms (the apps' fetch since round 3)
 *   --base DIR      base: the @herald/kafka build in DIR (e.g. a checkout of an older
 *                   commit's packages/kafka, built) against new: this build; both
 *                   at-once, as the router and the worker fetch
 *
 * --handle-ms N   the first stage's handle takes N ms per chunk (as the worker's lease, sends
 *                 and marks do), so a variant that overlaps a chunk's produce with the next
 *                 chunk's handle shows its effect on the total.
 *
 * Printed per chain: hop 1 (producer → first stage's handle), hop 2 (first stage's
 * handle → second stage's handle: its produce, commit is beside it, and the second
 * fetch) and the total, p50 / p95 / p99 / max; and, for builds that time their phases
 * (`onPhase`, platformatic), each phase: intake (a chunk's newest record's age when
 * taken), handle, produce until acknowledged, and each commit request.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Partitioners } from 'kafkajs';
import { silentLogger } from '@herald/core';
import * as current from '@herald/kafka';
import type { StageConsumer, StagePhase } from '@herald/kafka';
import { latency } from './stats.js';

type KafkaModule = typeof current;

const root = fileURLToPath(new URL('../../../', import.meta.url));
function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const rate = Number(option('rate', '20'));
const seconds = Number(option('seconds', '30'));
const client = option('client', 'platformatic') as 'kafkajs' | 'platformatic';
const baseDir = option('base', '');
// Work of the first stage's handle per chunk (ms), as the worker's lease, sends and sent
// marks: what a chunk's produce could overlap with (issue 19 item 5).
const handleMs = Number(option('handle-ms', '0'));
const brokers = /export KAFKA_BROKERS=(.*)/.exec(
  execFileSync('bash', [`${root}deploy/local/stack.sh`, 'env'], { encoding: 'utf8' }),
)![1]!;

interface Chain {
  readonly name: string;
  readonly module: KafkaModule;
  readonly fetch: { readonly minBytes: number; readonly maxWaitTimeMs: number };
}
const atOnce = { minBytes: 1, maxWaitTimeMs: 100 };
const chains: Chain[] = baseDir
  ? [
      {
        name: 'base',
        module: (await import(
          pathToFileURL(resolve(baseDir, 'dist/index.js')).href
        )) as KafkaModule,
        fetch: atOnce,
      },
      { name: 'new', module: current, fetch: atOnce },
    ]
  : [
      { name: 'linger', module: current, fetch: { minBytes: 64 * 1024, maxWaitTimeMs: 20 } },
      { name: 'at-once', module: current, fetch: atOnce },
    ];

const kafka = current.createKafkaClient({
  clientId: 'hop-latency',
  brokers: brokers.split(','),
  logger: silentLogger,
  client: 'kafkajs',
});
const prefix = `hoplat-${randomBytes(3).toString('hex')}.`;
await current.ensureTopics(
  kafka,
  ['in', ...chains.map((c) => `mid-${c.name}`)].map((t) => ({
    topic: `${prefix}${t}`,
    partitions: 6,
    replicationFactor: 1,
  })),
);

interface Samples {
  hop1: number[];
  hop2: number[];
  total: number[];
  phases: Map<StagePhase, { ms: number[]; records: number }>;
}
const samples = new Map<string, Samples>(
  chains.map((c) => [c.name, { hop1: [], hop2: [], total: [], phases: new Map() }]),
);
let measuring = false;
const stages: StageConsumer[] = [];
for (const chain of chains) {
  const mid = `${prefix}mid-${chain.name}`;
  const own = samples.get(chain.name)!;
  const chainKafka = chain.module.createKafkaClient({
    clientId: `hop-latency-${chain.name}`,
    brokers: brokers.split(','),
    logger: silentLogger,
    client,
  });
  const onPhase = (phase: StagePhase, ms: number, records: number) => {
    if (!measuring) return;
    const entry = own.phases.get(phase) ?? { ms: [], records: 0 };
    entry.ms.push(ms);
    entry.records += records;
    own.phases.set(phase, entry);
  };
  stages.push(
    new chain.module.StageConsumer({
      kafka: chainKafka,
      groupId: `${prefix}${chain.name}-1`,
      topics: [`${prefix}in`],
      logger: silentLogger,
      ...chain.fetch,
      onPhase,
      handler: {
        handle: async (records) => {
          const now = Date.now();
          if (measuring) for (const r of records) own.hop1.push(now - Number(r.value!.toString()));
          if (handleMs > 0) await new Promise((r) => setTimeout(r, handleMs));
          // The value carries the event's send time and this hop's, for hop 2's share.
          return records.map((r) => ({
            topic: mid,
            key: r.key?.toString() ?? null,
            value: Buffer.from(`${r.value!.toString()},${now}`),
          }));
        },
      },
    }),
    new chain.module.StageConsumer({
      kafka: chainKafka,
      groupId: `${prefix}${chain.name}-2`,
      topics: [mid],
      logger: silentLogger,
      ...chain.fetch,
      onPhase,
      handler: {
        handle: async (records) => {
          const now = Date.now();
          if (measuring)
            for (const r of records) {
              const [sentAt, hop1At] = r.value!.toString().split(',').map(Number);
              own.hop2.push(now - hop1At!);
              own.total.push(now - sentAt!);
            }
          return [];
        },
      },
    }),
  );
}
await Promise.all(stages.map((s) => s.start()));
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();

const summary = (values: readonly number[]) => {
  const l = latency(values.map((v) => Math.round(v * 10) / 10));
  return `${l.p50} / ${l.p95} / ${l.p99} / ${l.max}`;
};
try {
  // A few seconds unmeasured: connections open, code warm.
  for (const [phase, secs] of [
    ['warm-up', 3],
    ['measure', seconds],
  ] as const) {
    measuring = phase === 'measure';
    const count = Math.round(rate * secs);
    const started = Date.now();
    for (let i = 0; i < count; i++) {
      const sentAt = Date.now();
      await producer.send({
        topic: `${prefix}in`,
        acks: -1,
        messages: [{ key: `k${i}`, value: String(sentAt) }],
      });
      const next = started + ((i + 1) * 1000) / rate;
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
  }
  await new Promise((r) => setTimeout(r, 2000));
  console.log(`client ${client}, ${rate}/s for ${seconds} s; ms p50 / p95 / p99 / max`);
  for (const chain of chains) {
    const s = samples.get(chain.name)!;
    console.log(
      `${chain.name.padEnd(8)} ${s.total.length} events  total ${summary(s.total)}  hop1 ${summary(s.hop1)}  hop2 ${summary(s.hop2)}`,
    );
    if (s.phases.size === 0) continue;
    // Both hops' chunks together; records: per chunk, or partitions per commit request.
    const line = [...s.phases].map(
      ([phase, { ms, records }]) =>
        `${phase} ${summary(ms)} (${ms.length}×, ${(records / ms.length).toFixed(1)} each)`,
    );
    console.log(`${''.padEnd(8)} ${line.join('  ')}`);
  }
} finally {
  await producer.disconnect();
  await Promise.all(stages.map((s) => s.stop()));
  await current.deleteTopicsWithPrefix(kafka, prefix);
}
process.exit(0);
