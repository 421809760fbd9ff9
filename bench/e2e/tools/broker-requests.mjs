// The broker's requests by API within each run window of an e2e bench log (see
// KafkaReqPoll.java beside this file). Usage: node broker-requests.mjs <poll.log> <bench.log>
import { readFileSync } from 'node:fs';

const [pollFile, benchFile] = process.argv.slice(2);
if (!pollFile || !benchFile) {
  console.error('usage: node broker-requests.mjs <poll.log> <bench.log>');
  process.exit(2);
}
const polls = readFileSync(pollFile, 'utf8')
  .split('\n')
  .map((line) => line.split(' '))
  .filter(([at]) => /^\d+$/.test(at ?? ''))
  .map(([at, ...counts]) => ({
    at: Number(at),
    counts: Object.fromEntries(counts.map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)])),
  }));
/** The last poll at or before `t`. */
const at = (t) => polls.filter((p) => p.at <= t).at(-1) ?? polls[0];
const runs = readFileSync(benchFile, 'utf8').matchAll(
  /kafka requests during (\S+ \S+) \(([\d.]+) s from (\d+) ms, (\d+) deliveries\)/g,
);
for (const [, name, seconds, from, deliveries] of runs) {
  const a = at(Number(from));
  const b = at(Number(from) + Number(seconds) * 1000);
  const span = (b.at - a.at) / 1000;
  const diff = Object.entries(b.counts)
    .map(([api, n]) => [api, n - (a.counts[api] ?? 0)])
    // FetchConsumer repeats Fetch (the consumers' share of it).
    .filter(([api, n]) => n > 0 && api !== 'FetchConsumer')
    .sort((x, y) => y[1] - x[1]);
  const total = diff.reduce((sum, [, n]) => sum + n, 0);
  console.log(
    `broker, ${name} (${span.toFixed(1)} s, ${deliveries} deliveries): ${total} (${Math.round(total / span)}/s, ${(total / Number(deliveries)).toFixed(3)}/delivery): ${diff
      .map(([api, n]) => `${api} ${n} (${Math.round(n / span)}/s)`)
      .join(', ')}`,
  );
}
