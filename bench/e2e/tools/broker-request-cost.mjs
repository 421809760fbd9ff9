// The Kafka broker's CPU per request, by kind, on the local stack: phases of a fixed
// request rate, each sampled from the broker JVM's /proc/<pid>/stat, against an idle
// phase (the same clients connected and joined, sending nothing but heartbeats). It says
// what one OffsetCommit, one small Produce and one Fetch woken by it cost the broker,
// so the e2e bench's request counts can be read as broker CPU.
//
//   node bench/e2e/tools/broker-request-cost.mjs <brokers> <broker pid> [seconds per phase] [rounds]
//
// Phases, in each round: idle; commit (one partition's offset, 100/s); produce (10
// records of 600 B, acks all, idempotent, 100/s); produce + fetch (the same, with a
// consumer stream reading the topic at minBytes 1: each produce wakes its fetch).
import { Consumer, MessagesStreamModes, ProduceAcks, Producer } from '@platformatic/kafka';
import { processCpuSeconds } from '@herald/testkit';
import { Kafka, logLevel } from 'kafkajs';

const [brokers, pid, secondsArg, roundsArg] = process.argv.slice(2);
if (!brokers || !pid) {
  console.error('usage: node broker-request-cost.mjs <brokers> <broker pid> [seconds] [rounds]');
  process.exit(2);
}
const seconds = Number(secondsArg ?? 15);
const rounds = Number(roundsArg ?? 3);
const RATE = 100;
/** The broker JVM's CPU seconds so far (it must run on this host). */
const cpu = async () => {
  const seconds = await processCpuSeconds(Number(pid));
  if (seconds === undefined)
    throw new Error(`no process ${pid} on this host: pass the broker JVM's pid`);
  return seconds;
};
const prefix = `cost-${Date.now()}-`;
const topic = `${prefix}t`;
const commitTopic = `${prefix}c`;
const admin = new Kafka({
  clientId: 'cost',
  brokers: brokers.split(','),
  logLevel: logLevel.NOTHING,
}).admin();
await admin.connect();
await admin.createTopics({
  waitForLeaders: true,
  topics: [
    { topic, numPartitions: 1, replicationFactor: 1 },
    { topic: commitTopic, numPartitions: 1, replicationFactor: 1 },
  ],
});
const base = { bootstrapBrokers: brokers.split(','), autocreateTopics: false };
const producer = new Producer({
  ...base,
  clientId: 'cost-producer',
  idempotent: true,
  acks: ProduceAcks.ALL,
});
const committer = new Consumer({
  ...base,
  clientId: 'cost-committer',
  groupId: `${prefix}commit`,
  autocommit: false,
});
const committerStream = await committer.consume({
  topics: [commitTopic],
  mode: MessagesStreamModes.EARLIEST,
  autocommit: false,
});
committerStream.on('data', () => undefined);
const value = Buffer.alloc(600, 'x');
let offset = 0n;

/** Runs `step` RATE times a second for `seconds`; returns the broker CPU s and the steps done. */
async function phase(step) {
  const before = await cpu();
  const start = Date.now();
  let done = 0;
  while (Date.now() - start < seconds * 1000) {
    const due = start + (done * 1000) / RATE;
    if (Date.now() < due) await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    if (step) await step();
    done++;
  }
  return {
    cpu: (await cpu()) - before,
    steps: step ? done : 0,
    seconds: (Date.now() - start) / 1000,
  };
}
const commit = () =>
  committer.commit({
    offsets: [{ topic: commitTopic, partition: 0, offset: ++offset, leaderEpoch: 0 }],
  });
const produce = () =>
  producer.send({
    messages: Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, key: `k${i}`, value })),
    acks: ProduceAcks.ALL,
  });

const results = { idle: [], commit: [], produce: [], 'produce+fetch': [] };
for (let round = 0; round < rounds; round++) {
  results.idle.push(await phase(undefined));
  results.commit.push(await phase(commit));
  results.produce.push(await phase(produce));
  const reader = new Consumer({
    ...base,
    clientId: 'cost-reader',
    groupId: `${prefix}read${round}`,
    autocommit: false,
    minBytes: 1,
    maxWaitTime: 5000,
  });
  const stream = await reader.consume({
    topics: [topic],
    mode: MessagesStreamModes.LATEST,
    autocommit: false,
  });
  stream.on('data', () => undefined);
  await new Promise((r) => setTimeout(r, 2000));
  results['produce+fetch'].push(await phase(produce));
  await stream.close();
  await reader.close(true);
}
const idlePerSecond = results.idle.map((r) => r.cpu / r.seconds);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const idle = median(idlePerSecond);
console.log(
  `broker idle: ${(idle * 1000).toFixed(1)} ms CPU per s (${idlePerSecond.map((x) => (x * 1000).toFixed(1)).join(', ')})`,
);
for (const kind of ['commit', 'produce', 'produce+fetch']) {
  const per = results[kind].map((r) => ((r.cpu - idle * r.seconds) * 1e6) / r.steps);
  console.log(
    `${kind}: broker µs per step above idle, by round: ${per.map((x) => x.toFixed(0)).join(', ')}; median ${median(per).toFixed(0)}`,
  );
}
await committerStream.close();
await committer.close(true);
await producer.close();
await admin.deleteTopics({ topics: [topic, commitTopic] });
await admin.disconnect();
