/**
 * The platformatic loop's bookkeeping per record (`PartitionLedger`: accept, take, commit
 * offsets), two builds side by side, and the new build with `keyOrder` (several chunks in
 * flight: each record's key as a string, busy keys checked and freed) — issue 19,
 * round 6, "the worker's chunks in flight". No Kafka: records are made in memory, as
 * the stream hands them over (600-byte values, a key, 3 headers).
 *
 *   node packages/kafka/bench/ledger-take-bench.mjs --base <dir with partition-ledger.js> \
 *     [--records 200000] [--chunk 500] [--partitions 6] [--keys 5000] [--rounds 9]
 *
 * `--base`: the old build's compiled `partition-ledger.js` (e.g. the file of another
 * checkout's packages/kafka/dist/platformatic). Each round runs every variant once, in a
 * rotating order; a variant's CPU (process.cpuUsage, user + system) covers taking every
 * record in chunks of `--chunk` and computing each chunk's commit offsets; with
 * `keyOrder`, two chunks are in flight (a chunk's keys are freed after the next is taken),
 * so busy keys are checked as in the stage. Prints µs per record per round, then min and
 * median per variant: the min is the figure least disturbed by other work.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    records: { type: 'string', default: '200000' },
    chunk: { type: 'string', default: '500' },
    partitions: { type: 'string', default: '6' },
    keys: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '9' },
  },
});
const records = Number(args.records);
const chunk = Number(args.chunk);
const partitions = Number(args.partitions);
const keys = Number(args.keys);
const rounds = Number(args.rounds);
const here = new URL('.', import.meta.url).pathname;
const load = async (dir) =>
  (await import(pathToFileURL(join(resolve(dir), 'partition-ledger.js')).href)).PartitionLedger;
const New = await load(join(here, '../dist/platformatic'));
const Base = args.base ? await load(args.base) : undefined;
const log = { warn() {}, info() {}, error() {}, debug() {} };

const value = Buffer.alloc(600, 120);
const headers = new Map([
  [Buffer.from('ce_type'), Buffer.from('bench.ledger')],
  [
    Buffer.from('traceparent'),
    Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'),
  ],
  [Buffer.from('herald-attempt'), Buffer.from('1')],
]);
/** Stream records, made once: partition round robin, keys spread over `keys` recipients. */
const raws = Array.from({ length: records }, (_, i) => ({
  topic: 'lane',
  partition: i % partitions,
  offset: BigInt(Math.floor(i / partitions)),
  leaderEpoch: 0,
  timestamp: 1_000n,
  key: Buffer.from(`webhook:recipient-${i % keys}|customer/c-${i % keys}`),
  value,
  headers,
}));

async function run(Ledger, keyOrder) {
  const ledger = new Ledger({ maxHeld: 20_000, log, keyOrder });
  ledger.assign(
    'm',
    Array.from({ length: partitions }, (_, partition) => ({ topic: 'lane', partition })),
    async () => new Map(),
  );
  await ledger.ready();
  let next = 0;
  const read = () => (next < raws.length ? raws[next++] : null);
  let taken = 0;
  let previous;
  const before = process.cpuUsage();
  while (taken < records) {
    const got = ledger.take(chunk, read, 2_000);
    if (got.length === 0) {
      // Every remaining record waits for the chunk in flight's keys.
      ledger.done?.(previous ?? []);
      previous = undefined;
      continue;
    }
    ledger.commitOffsets(got);
    taken += got.length;
    if (keyOrder) {
      ledger.done(previous ?? []);
      previous = got;
    }
  }
  const used = process.cpuUsage(before);
  return ((used.user + used.system) / records).toFixed(3);
}

const variants = [
  ...(Base ? [['base', () => run(Base, false)]] : []),
  ['new', () => run(New, false)],
  ['new keyOrder', () => run(New, true)],
];
const results = new Map(variants.map(([name]) => [name, []]));
for (let round = 0; round < rounds; round++) {
  const order = variants.map((_, i) => variants[(i + round) % variants.length]);
  const line = [];
  for (const [name, fn] of order) {
    const us = Number(await fn());
    results.get(name).push(us);
    line.push(`${name} ${us}`);
  }
  console.log(`round ${round + 1}: ${line.join(', ')} µs/record`);
}
for (const [name, list] of results) {
  const sorted = [...list].sort((a, b) => a - b);
  console.log(
    `${name}: min ${sorted[0].toFixed(3)}, median ${sorted[Math.floor(sorted.length / 2)].toFixed(3)} µs/record`,
  );
}
