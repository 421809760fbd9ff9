// Preloaded into a Herald app by the e2e bench (`--app-env NODE_OPTIONS=--import=<this file>,
// BENCH_ALLOC_PROFILE=<dir>`) to see where the app allocates: V8's sampling heap profiler,
// started at load with the objects later collected by either GC kept in the samples (so it
// counts what was allocated, not what is still alive), written to
// <dir>/<app>-<pid>.heapprofile when the app exits. Summarise with
// `node dist/alloc-summary.js <file>`. Sampling costs the app some CPU: use it for where,
// never for how much. No app code is touched.
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { appName } from './app-name.mjs';

const dir = process.env.BENCH_ALLOC_PROFILE;
if (dir) {
  const app = appName();
  // Made now, not at exit: a missing folder would lose the whole run's profile.
  mkdirSync(dir, { recursive: true });
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.enable');
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 16384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  // A session on the app's own thread answers synchronously, so this runs to the end
  // inside the exit handler.
  process.on('exit', () => {
    session.post('HeapProfiler.stopSampling', (err, result) => {
      if (err) console.error(`alloc-profile: no heap profile for ${app}: ${err.message}`);
      else
        writeFileSync(
          join(dir, `${app}-${process.pid}.heapprofile`),
          JSON.stringify(result.profile),
        );
    });
  });
}
