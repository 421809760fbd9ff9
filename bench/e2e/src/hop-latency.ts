/**
 * `node dist/hop-latency.js [--rate R] [--seconds S]`: event → end latency through two
 * StageConsumer hops (consume → produce with acks -1 → commit, then consume again, like
 * router → worker) for two fetch settings side by side. Both chains read the same input
 * records at the same time on the same machine, so their difference is the fetch
 * setting's, whatever else the machine is doing (docs/benchmarks.md, round 3).
 *
 *   linger   64 KiB / 20 ms (round 2's router and worker)
 *   at-once  1 byte / 100 ms (round 3's)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Partitioners } from 'kafkajs';
import { silentLogger } from '@herald/core';
import {
  createKafkaClient,
  deleteTopicsWithPrefix,
  ensureTopics,
  StageConsumer,
} from '@herald/kafka';
import { latency } from './stats.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const rate = Number(option('rate', '20'));
const seconds = Number(option('seconds', '30'));
const brokers = /export KAFKA_BROKERS=(.*)/.exec(
  execFileSync('bash', [`${root}deploy/local/stack.sh`, 'env'], { encoding: 'utf8' }),
)![1]!;

const kafka = createKafkaClient({
  clientId: 'hop-latency',
  brokers: brokers.split(','),
  logger: silentLogger,
});
const prefix = `hoplat-${randomBytes(3).toString('hex')}.`;
const variants = {
  linger: { minBytes: 64 * 1024, maxWaitTimeMs: 20 },
  'at-once': { minBytes: 1, maxWaitTimeMs: 100 },
} as const;
const names = Object.keys(variants) as (keyof typeof variants)[];
await ensureTopics(
  kafka,
  ['in', ...names.map((n) => `mid-${n}`)].map((t) => ({
    topic: `${prefix}${t}`,
    partitions: 6,
    replicationFactor: 1,
  })),
);

const samples = new Map<string, number[]>(names.map((n) => [n, []]));
let measuring = false;
const stages: StageConsumer[] = [];
for (const name of names) {
  const fetch = variants[name];
  const mid = `${prefix}mid-${name}`;
  stages.push(
    new StageConsumer({
      kafka,
      groupId: `${prefix}${name}-1`,
      topics: [`${prefix}in`],
      logger: silentLogger,
      ...fetch,
      handler: {
        handle: async (records) =>
          records.map((r) => ({ topic: mid, key: r.key?.toString() ?? null, value: r.value! })),
      },
    }),
    new StageConsumer({
      kafka,
      groupId: `${prefix}${name}-2`,
      topics: [mid],
      logger: silentLogger,
      ...fetch,
      handler: {
        handle: async (records) => {
          const now = Date.now();
          if (measuring)
            for (const r of records) samples.get(name)!.push(now - Number(r.value!.toString()));
          return [];
        },
      },
    }),
  );
}
await Promise.all(stages.map((s) => s.start()));
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
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
  for (const name of names) {
    const l = latency(samples.get(name)!);
    console.log(
      `${name.padEnd(8)} ${JSON.stringify(variants[name])}: ${samples.get(name)!.length} events, p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms`,
    );
  }
} finally {
  await producer.disconnect();
  await Promise.all(stages.map((s) => s.stop()));
  await deleteTopicsWithPrefix(kafka, prefix);
}
process.exit(0);
