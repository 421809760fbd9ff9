/** HERALD_KAFKA_COMPRESSION against the real broker: records round-trip, and gzip batches are smaller on the wire. */
import {
  deleteTopicsWithPrefix,
  ensureTopics,
  MessagePublisher,
  type Compression,
} from '@herald/kafka';
import { uniquePrefix, waitFor } from '@herald/testkit';
import { clients, testKafka } from './clients.js';

describe.each(clients)('compression on %s', (client) => {
  const prefix = uniquePrefix();
  // The publisher runs on the client under test; the records are read back with kafkajs.
  const kafka = testKafka(client, 'compression-test');

  afterAll(async () => {
    await deleteTopicsWithPrefix(kafka, prefix);
  });

  /** Publishes 200 repetitive JSON records, reads them back; returns them and the Fetch response bytes. */
  async function roundTrip(compression: Compression) {
    const topic = `${prefix}${compression}`;
    await ensureTopics(kafka, [{ topic, partitions: 1, replicationFactor: 1 }]);
    const publisher = new MessagePublisher(kafka, { compression });
    await publisher.start();
    const sent = Array.from({ length: 200 }, (_, i) => ({
      topic,
      key: `k${i}`,
      value: Buffer.from(JSON.stringify({ i, text: 'status event '.repeat(20) })),
      headers: { 'content-type': 'application/json', 'ce-id': `e${i}` },
    }));
    await publisher.send(sent);
    await publisher.stop();

    const consumer = kafka.consumer({ groupId: `${prefix}${compression}-reader` });
    let fetchedBytes = 0;
    consumer.on(consumer.events.REQUEST, (e) => {
      if (e.payload.apiName === 'Fetch') fetchedBytes += e.payload.size;
    });
    const received: { key: string; value: string; ceId: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) =>
        void received.push({
          key: message.key!.toString(),
          value: message.value!.toString(),
          ceId: message.headers!['ce-id']!.toString(),
        }),
    });
    await waitFor(`${sent.length} ${compression} records`, () => received.length === sent.length);
    await consumer.disconnect();
    return { sent, received, fetchedBytes };
  }

  it('gzip records come back intact, in fewer bytes than uncompressed ones', async () => {
    const gzip = await roundTrip('gzip');
    const none = await roundTrip('none');
    for (const run of [gzip, none]) {
      expect(run.received).toEqual(
        run.sent.map((m) => ({
          key: m.key,
          value: m.value.toString(),
          ceId: m.headers['ce-id'],
        })),
      );
    }
    expect(gzip.fetchedBytes).toBeGreaterThan(0);
    expect(gzip.fetchedBytes * 5).toBeLessThan(none.fetchedBytes);
  });
});
