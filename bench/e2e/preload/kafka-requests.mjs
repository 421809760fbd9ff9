// Preloaded into a Herald app by the e2e bench (`--app-env NODE_OPTIONS=--import=<this file>,
// BENCH_KAFKA_REQUESTS=<dir>`) to count the Kafka requests the app sends, by API (Fetch,
// Produce, OffsetCommit, Heartbeat, Metadata, …), through @platformatic/kafka's
// diagnostics channel of every request it writes (`plt:kafka:connections:api`). The
// running totals are written to <dir>/<app>.json every 200 ms and at exit; the bench
// reads them before and after a run and prints the difference ("kafka requests during …").
// kafkajs's requests (the apps' admin: lag metrics, topic set-up) are not counted.
// No app code is touched.
import { tracingChannel } from 'node:diagnostics_channel';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appName } from './app-name.mjs';

/** Kafka protocol API keys (the ones a client sends; others are shown by number). */
const API = {
  0: 'Produce',
  1: 'Fetch',
  2: 'ListOffsets',
  3: 'Metadata',
  8: 'OffsetCommit',
  9: 'OffsetFetch',
  10: 'FindCoordinator',
  11: 'JoinGroup',
  12: 'Heartbeat',
  13: 'LeaveGroup',
  14: 'SyncGroup',
  17: 'SaslHandshake',
  18: 'ApiVersions',
  19: 'CreateTopics',
  22: 'InitProducerId',
  36: 'SaslAuthenticate',
};

const dir = process.env.BENCH_KAFKA_REQUESTS;
if (dir) {
  const app = appName();
  const file = join(dir, `${app}.json`);
  mkdirSync(dir, { recursive: true });
  const counts = {};
  let changed = true;
  tracingChannel('plt:kafka:connections:api').subscribe({
    start(context) {
      const name = API[context.apiKey] ?? `api${context.apiKey}`;
      counts[name] = (counts[name] ?? 0) + 1;
      changed = true;
    },
    end() {},
    asyncStart() {},
    asyncEnd() {},
    error() {},
  });
  const write = () => {
    if (!changed) return;
    changed = false;
    // Whole files only: the bench may read while this writes.
    writeFileSync(`${file}.tmp`, JSON.stringify({ app, at: Date.now(), counts }));
    renameSync(`${file}.tmp`, file);
  };
  setInterval(write, 200).unref();
  process.on('exit', write);
}
