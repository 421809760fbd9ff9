// The demo producer: publishes a few CloudEvents to herald.events, one every 300 ms,
// in both Kafka modes, plus one malformed event that Herald must reject with a reason.
// Usage: node produce.mjs <brokers> <topic-prefix>
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

const [brokers, prefix] = process.argv.slice(2);
const kafka = new Kafka({
  clientId: 'herald-demo-producer',
  brokers: brokers.split(','),
  logLevel: logLevel.WARN,
});
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
const topic = `${prefix}herald.events`;

const structured = (type, data) => ({
  key: String(data.orderId ?? data.invoiceId),
  value: JSON.stringify({
    specversion: '1.0',
    id: randomUUID(),
    source: 'shop/orders',
    type,
    time: new Date().toISOString(),
    tenantid: 'acme',
    datacontenttype: 'application/json',
    data,
  }),
});

const binary = (type, data) => ({
  key: String(data.orderId),
  value: JSON.stringify(data),
  headers: {
    ce_specversion: '1.0',
    ce_id: randomUUID(),
    ce_source: 'shop/orders',
    ce_type: type,
    ce_time: new Date().toISOString(),
    ce_tenantid: 'acme',
    'content-type': 'application/json',
  },
});

const events = [
  [
    'order.shipped over 100 (structured mode)',
    structured('order.shipped', { orderId: 1001, total: 250.5, currency: 'EUR' }),
  ],
  [
    'order.shipped under 100: no rule matches',
    structured('order.shipped', { orderId: 1002, total: 20, currency: 'EUR' }),
  ],
  [
    'order.shipped over 100 (binary mode)',
    binary('order.shipped', { orderId: 1003, total: 999, currency: 'EUR' }),
  ],
  ['payment.failed (critical)', structured('payment.failed', { invoiceId: 'inv-77', amount: 42 })],
  ['malformed: not JSON', { key: 'bad', value: '{"specversion": "1.0", "id": ' }],
  [
    'malformed: no type',
    { key: 'bad', value: JSON.stringify({ specversion: '1.0', id: randomUUID(), source: 'shop' }) },
  ],
];

await producer.connect();
for (const [what, message] of events) {
  await producer.send({ topic, messages: [message] });
  console.log(`[producer] sent ${what}`);
  await new Promise((r) => setTimeout(r, 300));
}
await producer.disconnect();
