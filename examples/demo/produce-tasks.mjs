// The demo's task producer: one task's lifecycle for user u-1 on herald.events
// (task.created, task.progress every 400 ms, task.completed), routed by
// examples/tasks/rules.yaml to the in-app inbox; the inbox page and `herald watch`
// show the progress bar moving. Usage: node produce-tasks.mjs <brokers> <topic-prefix> [user]
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

const [brokers, prefix, user = 'u-1'] = process.argv.slice(2);
const kafka = new Kafka({
  clientId: 'herald-demo-tasks',
  brokers: brokers.split(','),
  logLevel: logLevel.WARN,
});
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
const topic = `${prefix}herald.events`;
const task = { taskId: `export-${Date.now() % 100000}`, userId: user, name: 'Nightly export' };

const event = (type, data) => ({
  key: user,
  value: JSON.stringify({
    specversion: '1.0',
    id: randomUUID(),
    source: 'jobs/runner',
    type,
    time: new Date().toISOString(),
    tenantid: 'acme',
    data,
  }),
});

await producer.connect();
const send = async (type, data) => {
  await producer.send({ topic, messages: [event(type, data)] });
  console.log(`[tasks] ${type}${data.percent === undefined ? '' : ` ${data.percent}%`}`);
};
await send('task.created', task);
for (let percent = 10; percent <= 90; percent += 20) {
  await new Promise((r) => setTimeout(r, 400));
  await send('task.progress', {
    ...task,
    percent,
    message: `Copying files (${percent / 10} of 10)`,
  });
}
await new Promise((r) => setTimeout(r, 400));
await send('task.completed', { ...task, message: '10 files exported.' });
await producer.disconnect();
