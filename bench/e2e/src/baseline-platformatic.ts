/**
 * The bare baseline on @platformatic/kafka (`--client platformatic`): the same hops and
 * transform as baseline-stage.ts, with the commit discipline Herald's platformatic loop
 * keeps: chunks of up to 500 records across partitions, one idempotent produce with
 * acks from all in-sync replicas, then one commit of every partition's next offset.
 *
 *   node baseline-platformatic.js route   <brokers> <prefix> <receiver-url>
 *   node baseline-platformatic.js deliver <brokers> <prefix>
 */
import {
  compatibilityPartitioner,
  Consumer,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  ProduceAcks,
  Producer,
  stringSerializer,
  type Message,
} from '@platformatic/kafka';
import { bareHop } from './baseline-hop.js';

const [mode, brokers, prefix, receiverUrl] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const base = { bootstrapBrokers: brokers.split(','), clientId: `bare-${mode}` };
const producer = new Producer<string, string, string, string>({
  ...base,
  idempotent: true,
  acks: ProduceAcks.ALL,
  partitioner: compatibilityPartitioner,
  serializers: { key: stringSerializer, value: stringSerializer },
});
const consumer = new Consumer({
  ...base,
  groupId: `${prefix}bare-${mode}`,
  autocommit: false,
  maxWaitTime: 5_000,
  highWaterMark: 2_048,
});
const { input, output, transform } = bareHop(mode, prefix, receiverUrl);

consumer.on('consumer:group:join', () => console.log('ready'));
const stream = await consumer.consume({
  topics: [input],
  mode: MessagesStreamModes.COMMITTED,
  fallbackMode: MessagesStreamFallbackModes.EARLIEST,
  autocommit: false,
});
let wake: (() => void) | undefined;
stream.on('readable', () => wake?.());
let stopping = false;

async function loop(): Promise<void> {
  while (!stopping) {
    const chunk: Message[] = [];
    for (let m = stream.read() as Message | null; m;) {
      chunk.push(m);
      if (chunk.length === 500) break;
      m = stream.read() as Message | null;
    }
    if (chunk.length === 0) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1_000);
      });
      continue;
    }
    const outputs = await Promise.all(
      chunk.map((m) => transform(m.value.toString(), m.key?.toString() ?? '')),
    );
    await producer.send({
      messages: outputs.map((o) => ({ topic: output, key: o.key, value: o.value })),
    });
    const last = new Map<number, Message>();
    for (const m of chunk) last.set(m.partition, m);
    await consumer.commit({
      offsets: [...last.values()].map((m) => ({
        topic: m.topic,
        partition: m.partition,
        offset: m.offset + 1n,
        leaderEpoch: m.leaderEpoch,
      })),
    });
  }
}

const running = loop();
process.on('SIGTERM', () => {
  stopping = true;
  wake?.();
  void running
    .then(() => stream.close())
    .then(() => consumer.close(true))
    .then(() => producer.close())
    .then(() => process.exit(0));
});
