#!/bin/sh
# herald <app> [args]: runs one of Herald's apps (router, worker, auditor, api, gateway).
# The one launcher for every app, wherever it runs: the image (compose, the Helm chart),
# `npm run demo`, the apps' `npm start` and the e2e bench all start apps through it, so
# they run with the same Node flags. HERALD_HOME is the checkout or image root (/herald
# in the image); it is the launcher's setting, so the apps, which refuse HERALD_*
# settings they do not read, do not see it.
set -e
home=${HERALD_HOME:-/herald}
unset HERALD_HOME
app=${1:-router}
[ $# -gt 0 ] && shift
case $app in
  router|worker|auditor)
    # A 64 MiB young generation (V8's semi-space) for the pipeline apps: they allocate
    # fast and keep little, so a larger nursery means fewer scavenges for the same work.
    # Measured in the e2e bench (docs/benchmarks.md, rounds 13 and 14): app CPU per
    # delivery -10 to -16 %, for 40-100 MiB more peak RSS per app. It also stops the
    # nursery shrinking with the container: in a 512 MiB cgroup Node picks a 4 MiB
    # semi-space. NODE_OPTIONS comes after it, so an operator's own flag wins.
    export NODE_OPTIONS="--max-semi-space-size=64${NODE_OPTIONS:+ $NODE_OPTIONS}"
    exec node "$home/apps/$app/dist/main.js" "$@" ;;
  api|gateway) exec node "$home/apps/$app/dist/main.js" "$@" ;;
  # Applies pending SQL migrations (migrations/, forward-only) and exits: the Helm
  # chart's pre-install/pre-upgrade Job. Needs DATABASE_URL.
  migrate)
    cd "$home"
    exec node --input-type=module -e "
      import { databaseEnv, logEnv, parseEnv } from '@herald/core';
      import { createDatabase, migrateToLatest } from '@herald/store';
      import { createLogger } from '@herald/telemetry';
      const env = parseEnv({ ...databaseEnv(), ...logEnv() }, process.env);
      const logger = createLogger({ app: 'migrate', level: env.HERALD_LOG_LEVEL });
      const db = createDatabase({ url: env.DATABASE_URL, poolSize: 1, logger });
      try {
        logger.info({ applied: await migrateToLatest(db) }, 'migrations applied');
      } finally {
        await db.destroy();
      }" ;;
  *) echo "unknown app '$app'; expected router, worker, auditor, api, gateway or migrate" >&2; exit 2 ;;
esac
