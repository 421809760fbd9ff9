/**
 * The client's CPU per record on one consume → produce → commit hop, two builds of
 * @platformatic/kafka side by side (issue 19, round 5: the library patch in patches/).
 *
 *   node packages/kafka/bench/hop-bench.mjs --base /work/wt-x-base/node_modules/@platformatic/kafka \
 *     [--new <dir>] [--records 200000] [--size 600] [--chunk 500] [--rounds 7] [--partitions 3] \
 *     [--cpu-prof DIR] [--brokers host:port]  (default $KAFKA_BROKERS)
 *
 * The input topic is written once (600-byte values, a key, 3 headers); then every round
 * runs one child process per build, alternating which goes first. A child is what every
 * Herald stage does, minus Herald: read chunks of 500 across partitions, produce each as
 * one idempotent send with acks -1 (a 600-byte value, a key, 3 string headers), then
 * commit the chunk's offsets once the produce is acknowledged, until every record went
 * through. Its CPU (process.cpuUsage, user + system) is taken from the first record to
 * the last commit, so connecting and joining the group are left out. A fresh group and
 * output topic per child; output topics are deleted after their round.
 *
 * Prints each round's CPU µs per record for both builds, then min and median: the min of
 * several rounds is the figure least disturbed by other work on a shared machine.
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));

async function loadClient(dir) {
  return import(pathToFileURL(join(dir, 'dist/index.js')).href);
}

/** Deterministic record i: key spreads over 1,000 recipients, value is `size` bytes of JSON-ish text. */
function record(i, size) {
  const head = `{"id":"${i.toString(16).padStart(12, '0')}","type":"bench.hop","data":"`;
  const value = Buffer.alloc(size, 120);
  value.write(head);
  value.write('"}', size - 2);
  return {
    key: `recipient-${i % 1000}`,
    value,
    headers: {
      ce_id: `evt-${i}`,
      ce_type: 'bench.hop',
      traceparent: `00-${i.toString(16).padStart(32, '0')}-${'1'.padStart(16, '0')}-01`,
    },
  };
}

async function child(argv) {
  const [dir, brokers, input, output, group, total, chunkSize] = argv;
  const expected = Number(total);
  const chunk = Number(chunkSize);
  const lib = await loadClient(dir);
  const base = { bootstrapBrokers: brokers.split(','), clientId: `hop-bench-${group}` };
  const producer = new lib.Producer({
    ...base,
    idempotent: true,
    acks: lib.ProduceAcks.ALL,
    partitioner: lib.compatibilityPartitioner,
    serializers: {
      key: lib.stringSerializer,
      headerKey: lib.stringSerializer,
      headerValue: lib.stringSerializer,
    },
  });
  const consumer = new lib.Consumer({
    ...base,
    groupId: group,
    autocommit: false,
    maxBytesPerPartition: 1_048_576,
    maxWaitTime: 500,
    highWaterMark: chunk * 4,
  });
  const stream = await consumer.consume({
    topics: [input],
    mode: lib.MessagesStreamModes.COMMITTED,
    fallbackMode: lib.MessagesStreamFallbackModes.EARLIEST,
    autocommit: false,
  });
  let wake;
  stream.on('readable', () => wake?.());
  let done = 0;
  let started;
  while (done < expected) {
    const taken = [];
    for (let m = stream.read(); m; m = taken.length < chunk ? stream.read() : null) taken.push(m);
    if (taken.length === 0) {
      await new Promise((ok) => {
        wake = ok;
        setTimeout(ok, 200);
      });
      continue;
    }
    started ??= { cpu: process.cpuUsage(), at: performance.now() };
    await producer.send({
      messages: taken.map((m) => ({
        topic: output,
        key: m.key.toString(),
        value: m.value,
        headers: {
          ce_id: `out-${m.offset}`,
          ce_type: 'bench.hop.out',
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        },
      })),
      acks: lib.ProduceAcks.ALL,
    });
    const last = new Map();
    for (const m of taken) last.set(m.partition, m);
    await consumer.commit({
      offsets: [...last.values()].map((m) => ({
        topic: m.topic,
        partition: m.partition,
        offset: m.offset + 1n,
        leaderEpoch: m.leaderEpoch,
      })),
    });
    done += taken.length;
  }
  const cpu = process.cpuUsage(started.cpu);
  const wallMs = performance.now() - started.at;
  await stream.close();
  await consumer.close(true);
  await producer.close();
  console.log(JSON.stringify({ cpuUs: cpu.user + cpu.system, wallMs, records: done }));
}

function runChild(args, cpuProf) {
  const flags = cpuProf ? ['--cpu-prof', '--cpu-prof-dir', cpuProf] : [];
  return new Promise((ok, fail) => {
    const proc = spawn(
      process.execPath,
      [...flags, fileURLToPath(import.meta.url), '--child', ...args],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.on('exit', (code) => {
      if (code !== 0) return fail(new Error(`child exited ${code}`));
      ok(JSON.parse(out.trim().split('\n').at(-1)));
    });
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main() {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      new: { type: 'string', default: resolve(here, '../../../node_modules/@platformatic/kafka') },
      brokers: { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:19092' },
      records: { type: 'string', default: '200000' },
      size: { type: 'string', default: '600' },
      chunk: { type: 'string', default: '500' },
      rounds: { type: 'string', default: '7' },
      partitions: { type: 'string', default: '3' },
      'cpu-prof': { type: 'string' },
    },
  });
  const sides = [['new', values.new]];
  if (values.base) sides.unshift(['base', values.base]);
  const total = Number(values.records);
  const lib = await loadClient(values.new);
  const base = { bootstrapBrokers: values.brokers.split(','), clientId: 'hop-bench' };
  const admin = new lib.Admin(base);
  const prefix = `hopbench-${Date.now().toString(36)}`;
  const input = `${prefix}-in`;
  await admin.createTopics({ topics: [input], partitions: Number(values.partitions), replicas: 1 });

  const producer = new lib.Producer({
    ...base,
    acks: lib.ProduceAcks.LEADER,
    partitioner: lib.compatibilityPartitioner,
    serializers: {
      key: lib.stringSerializer,
      headerKey: lib.stringSerializer,
      headerValue: lib.stringSerializer,
    },
  });
  for (let i = 0; i < total; i += 1000) {
    const messages = [];
    for (let j = i; j < Math.min(total, i + 1000); j++)
      messages.push({ topic: input, ...record(j, Number(values.size)) });
    await producer.send({ messages });
  }
  await producer.close();
  console.log(
    `input ${input}: ${total} records of ${values.size} B, 3 headers; chunks of ${values.chunk}`,
  );

  const results = Object.fromEntries(sides.map(([name]) => [name, []]));
  for (let round = 1; round <= Number(values.rounds); round++) {
    const order = round % 2 === 0 ? [...sides].reverse() : sides;
    const line = [];
    for (const [name, dir] of order) {
      const output = `${prefix}-out-${round}-${name}`;
      await admin.createTopics({
        topics: [output],
        partitions: Number(values.partitions),
        replicas: 1,
      });
      const r = await runChild(
        [
          dir,
          values.brokers,
          input,
          output,
          `${prefix}-${round}-${name}`,
          String(total),
          values.chunk,
        ],
        values['cpu-prof'] ? join(values['cpu-prof'], name) : undefined,
      );
      await admin.deleteTopics({ topics: [output] });
      const perRecord = r.cpuUs / r.records;
      results[name].push(perRecord);
      line.push(
        `${name} ${perRecord.toFixed(2)} µs/record (${Math.round((r.records / r.wallMs) * 1000)}/s)`,
      );
    }
    console.log(`round ${round}: ${line.join(' · ')}`);
  }
  await admin.deleteTopics({ topics: [input] });
  await admin.close();
  for (const [name, xs] of Object.entries(results)) {
    console.log(
      `${name}: min ${Math.min(...xs).toFixed(2)} median ${median(xs).toFixed(2)} µs/record CPU`,
    );
  }
  if (results.base) {
    console.log(
      `new ÷ base: min ${(Math.min(...results.new) / Math.min(...results.base)).toFixed(3)}, median ${(median(results.new) / median(results.base)).toFixed(3)}`,
    );
  }
}

if (process.argv[2] === '--child') await child(process.argv.slice(3));
else await main();
