/**
 * The bare baseline: the same hops as Herald (events → deliveries → status) as
 * minimal kafkajs consume-and-produce loops, with the same at-least-once commit
 * discipline and the same keep-alive POST, and nothing else: no rules, templates,
 * rate limits, idempotency or audit.
 *
 *   node baseline-stage.js route   <brokers> <prefix> <receiver-url>
 *   node baseline-stage.js deliver <brokers> <prefix>
 */
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { bareHop } from './baseline-hop.js';

const [mode, brokers, prefix, receiverUrl] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
];
const kafka = new Kafka({
  clientId: `bare-${mode}`,
  brokers: brokers.split(','),
  logLevel: logLevel.ERROR,
});
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
const consumer = kafka.consumer({ groupId: `${prefix}bare-${mode}` });
const { input, output, transform } = bareHop(mode, prefix, receiverUrl);

await producer.connect();
await consumer.connect();
await consumer.subscribe({ topic: input, fromBeginning: true });
consumer.on(consumer.events.GROUP_JOIN, () => console.log('ready'));
await consumer.run({
  autoCommit: false,
  eachBatchAutoResolve: false,
  partitionsConsumedConcurrently: 3,
  eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }) => {
    for (let i = 0; i < batch.messages.length; i += 500) {
      const chunk = batch.messages.slice(i, i + 500);
      const outputs = await Promise.all(
        chunk.map((m) => transform(m.value!.toString(), m.key?.toString() ?? '')),
      );
      await producer.send({ topic: output, acks: -1, messages: outputs });
      const last = chunk[chunk.length - 1]!.offset;
      resolveOffset(last);
      await commitOffsetsIfNecessary({
        topics: [
          {
            topic: batch.topic,
            partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }],
          },
        ],
      });
      await heartbeat();
    }
  },
});
process.on('SIGTERM', () => {
  void consumer
    .disconnect()
    .then(() => producer.disconnect())
    .then(() => process.exit(0));
});
