// Sample task producer for the in-app demo: one task's lifecycle (task.created, then
// task.progress every 400 ms up to 100 %, then task.completed; or task.failed at 60 %
// with --fail) for one user, to herald.events. With examples/tasks/rules.yaml and
// templates.yaml applied, the user's inbox holds one message that moves as you watch.
// Usage: node produce.mjs <brokers> <topic-prefix> [userId] [--fail]
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';

const args = process.argv.slice(2);
const fail = args.includes('--fail');
const [brokers = '127.0.0.1:19092', prefix = '', userId = 'u-1'] = args.filter(
  (a) => a !== '--fail',
);
const kafka = new Kafka({
  clientId: 'herald-tasks-producer',
  brokers: brokers.split(','),
  logLevel: logLevel.WARN,
});
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
const taskId = `t-${randomUUID().slice(0, 8)}`;
const name = 'Nightly export';

// Keyed by user: one user's task events stay in order on one partition.
const send = (type, data) =>
  producer.send({
    topic: `${prefix}herald.events`,
    messages: [
      {
        key: userId,
        value: JSON.stringify({
          specversion: '1.0',
          id: randomUUID(),
          source: 'jobs/runner',
          type,
          time: new Date().toISOString(),
          tenantid: 'acme',
          datacontenttype: 'application/json',
          data: { taskId, userId, name, ...data },
        }),
      },
    ],
  });
const pause = () => new Promise((resolve) => setTimeout(resolve, 400));

await producer.connect();
try {
  await send('task.created', {});
  for (let percent = 10; percent <= 100; percent += 10) {
    await pause();
    if (fail && percent === 60) {
      await send('task.failed', { error: 'disk full while copying files' });
      console.log(`task ${taskId} for ${userId}: failed at 60 %`);
      break;
    }
    await send('task.progress', { percent, message: `Copying files (${percent / 10} of 10)` });
  }
  if (!fail) {
    await send('task.completed', { message: 'All files copied.' });
    console.log(`task ${taskId} for ${userId}: created, 10 progress updates, completed`);
  }
} finally {
  await producer.disconnect();
}
