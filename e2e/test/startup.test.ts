/**
 * Start-up on a fresh topic prefix: the router and two workers started at the same
 * moment all create (or find) the same topics. Whoever did not create a topic must
 * still wait until the broker hosts it, or its consumer or producer fails with "This
 * server does not host this topic-partition".
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@herald/core';
import { buildRouter, parseRouterEnv } from '@herald/router';
import { testRun } from '@herald/testkit';
import { buildWorker, parseWorkerEnv } from '@herald/worker';

const TRIES = 4;
let dir: string;
let rulesFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'herald-startup-'));
  rulesFile = join(dir, 'rules.yaml');
  await writeFile(
    rulesFile,
    [
      'rules:',
      '  - id: hook',
      '    when: event.type == "a"',
      '    channels: [{ type: webhook, url: "https://example.com/a" }]',
      '',
    ].join('\n'),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it(`starts the router and two workers together on a fresh prefix (${TRIES} tries)`, async () => {
  for (let n = 0; n < TRIES; n++) {
    const run = testRun(`startup-${n}`);
    try {
      const settings = run.settings({ HERALD_TOPIC_PARTITIONS: '3' });
      const router = buildRouter(
        parseRouterEnv({ ...settings, HERALD_RULES_FILE: rulesFile }),
        silentLogger,
      );
      const workers = ['webhook', 'webhook,slack'].map((channels) =>
        buildWorker(
          parseWorkerEnv({ ...settings, HERALD_WORKER_CHANNELS: channels }),
          silentLogger,
        ),
      );
      const results = await Promise.allSettled([router, ...workers].map((app) => run.start(app)));
      const failures = results.flatMap((r) =>
        r.status === 'rejected' ? [String((r.reason as Error).message)] : [],
      );
      expect({ try: n, failures }).toEqual({ try: n, failures: [] });
    } finally {
      await run.stop();
    }
  }
}, 240_000);
