/**
 * Issue 19: kafkajs 2.2.4 as published arms a 1 ms timer in every connection's request
 * queue after each check, whether or not a request waits, so an idle connection wakes its
 * process about 1,000 times a second (kafkajs #1556, #1704). Herald's apps keep kafkajs
 * admin connections open for their lag metrics, and the bench's producer is kafkajs: the
 * wake-ups cost CPU on every core the pipeline shares. patches/kafkajs+2.2.4.patch arms the
 * timer only while a request is pending. Run in a child process against the real broker:
 * an admin and a producer that have talked to Kafka, then a second of silence, counting
 * the timers kafkajs' request queue arms in it.
 */
import { kafkajsScript, runClientScript } from './child-script.js';

const script = kafkajsScript(
  'idle-timers-test',
  `
await admin.fetchTopicOffsets(topic);
const before = armed;
await new Promise((resolve) => setTimeoutOf(resolve, 1000));
const idle = armed - before;
await producer.disconnect();
await admin.deleteTopics({ topics: [topic] });
await admin.disconnect();
console.log(JSON.stringify({ seen, idle }));
`,
  `
let armed = 0;
let seen = 0;
const setTimeoutOf = globalThis.setTimeout;
globalThis.setTimeout = function (fn, ms, ...args) {
  const stack = new Error().stack;
  if (stack.includes('/kafkajs/')) seen++;
  if (stack.includes('requestQueue')) armed++;
  return setTimeoutOf(fn, ms, ...args);
};
`,
);

it('kafkajs connections arm no timers while no request waits', async () => {
  const { stdout } = await runClientScript(script, 'idle');
  const { seen, idle } = JSON.parse(stdout.trim()) as { seen: number; idle: number };
  // The count is real: kafkajs' own timers (connects, request timeouts) went through it.
  expect(seen).toBeGreaterThan(0);
  // Unpatched, each open connection re-arms its 1 ms timer through the whole second.
  expect(idle).toBe(0);
}, 90_000);
