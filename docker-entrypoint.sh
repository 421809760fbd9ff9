#!/bin/sh
# herald <app> [args]: runs one of Herald's apps (router, worker, auditor, api, gateway).
# The one launcher for every app, wherever it runs: the image (compose, the Helm chart),
# `npm run demo`, the apps' `npm start` and the e2e bench all start apps through it, so
# they run with the same Node flags. HERALD_HOME is the checkout or image root (/herald
# in the image). It and HERALD_NODE_FLAGS are the launcher's settings, so the apps,
# which refuse HERALD_* settings they do not read, do not see them.
set -e
home=${HERALD_HOME:-/herald}
app=${1:-router}
[ $# -gt 0 ] && shift
# The pipeline apps' V8 heap (docs/ARCHITECTURE.md, "Node flags"; figures in
# docs/benchmarks.md, rounds 13 and 14). They allocate fast and keep little:
#   --max-semi-space-size=64   a 64 MiB young generation, so fewer scavenges. Node sizes
#                              it from the memory limit otherwise: 4 MiB in a 512 MiB
#                              pod, 8 MiB in 1 GiB, 32 MiB without a limit.
#   --heap-growing-percent=300 the old generation may grow to 4x what the last full GC
#                              kept before the next one, as V8 allows when the heap's
#                              limit is 2 GiB or more; under a 1 GiB memory limit it
#                              allows at most 1.4x, and the apps used ~35 % more CPU
#                              per delivery.
# HERALD_NODE_FLAGS replaces them (empty: V8's own sizing). They go on node's command
# line: NODE_OPTIONS refuses --heap-growing-percent.
case $app in
  router|worker|auditor) default_flags='--max-semi-space-size=64 --heap-growing-percent=300' ;;
  *) default_flags='' ;;
esac
node_flags=${HERALD_NODE_FLAGS-$default_flags}
unset HERALD_HOME HERALD_NODE_FLAGS
case $app in
  # $node_flags unquoted on purpose: one word per flag.
  # shellcheck disable=SC2086
  router|worker|auditor|api|gateway) exec node $node_flags "$home/apps/$app/dist/main.js" "$@" ;;
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
