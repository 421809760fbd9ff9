import { randomUUID } from 'node:crypto';
import { Partitioners, type Kafka } from 'kafkajs';

export const EVENT_TYPES = 100;

/** A realistic order event; `data.sentAt` is its produce time, for latency. */
function event(i: number, sentAt: number) {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: 'bench/orders',
    type: `bench.type-${i % EVENT_TYPES}`,
    time: new Date(sentAt).toISOString(),
    tenantid: 'bench',
    // The entity the event is about: `ordering: subject` keeps one customer's events in order.
    subject: `customer/c-${i % 5000}`,
    datacontenttype: 'application/json',
    data: {
      sentAt,
      orderId: i,
      total: 10 + (i % 500),
      currency: 'EUR',
      customer: { id: `c-${i % 5000}`, tier: i % 7 === 0 ? 'gold' : 'standard' },
    },
  };
}

/**
 * Produces `count` events to `topic`, as fast as possible (`rate` = 0) or at a fixed
 * rate (events/s, in 10 ms ticks). Returns the seconds it took.
 */
export async function produceEvents(
  kafka: Kafka,
  topic: string,
  count: number,
  rate: number,
): Promise<number> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const started = Date.now();
  let sent = 0;
  const inFlight: Promise<unknown>[] = [];
  try {
    if (rate <= 0) {
      while (sent < count) {
        const n = Math.min(1000, count - sent);
        const now = Date.now();
        const messages = Array.from({ length: n }, (_, k) => {
          const e = event(sent + k, now);
          return { key: String(e.data.customer.id), value: JSON.stringify(e) };
        });
        await producer.send({ topic, acks: -1, messages });
        sent += n;
      }
    } else {
      const perTick = rate / 100;
      let due = 0;
      while (sent < count) {
        due += perTick;
        const n = Math.min(Math.floor(due) - sent, count - sent);
        if (n > 0) {
          const now = Date.now();
          const messages = Array.from({ length: n }, (_, k) => {
            const e = event(sent + k, now);
            return { key: String(e.data.customer.id), value: JSON.stringify(e) };
          });
          inFlight.push(producer.send({ topic, acks: -1, messages }));
          sent += n;
        }
        const next = started + (sent / rate) * 1000;
        await new Promise((r) => setTimeout(r, Math.max(0, Math.min(10, next - Date.now()))));
      }
    }
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect();
  }
  return (Date.now() - started) / 1000;
}

/** 100 rules, one per event type, each to one of 10 webhook endpoints of the receiver. */
export function benchRules(receiverUrl: string, ordering = 'subject'): string {
  const lines = ['rules:'];
  for (let t = 0; t < EVENT_TYPES; t++) {
    lines.push(
      `  - id: bench-${t}`,
      `    when: event.type == "bench.type-${t}" && event.data.total > 0`,
      '    channels:',
      '      - type: webhook',
      `        url: ${receiverUrl}/hooks/${t % 10}`,
      '        secretRef: default',
      `        ordering: ${ordering}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
