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
#                              allows at most 1.4x, and the apps used 32-58 % more CPU
#                              per delivery.
# HERALD_NODE_FLAGS replaces them (empty: V8's own sizing). They go on node's command
# line: NODE_OPTIONS refuses --heap-growing-percent.
case $app in
  router|worker|auditor) default_flags='--max-semi-space-size=64 --heap-growing-percent=300' ;;
  *) default_flags='' ;;
esac
node_flags=${HERALD_NODE_FLAGS-$default_flags}
own_flags=${HERALD_NODE_FLAGS:-}
unset HERALD_HOME HERALD_NODE_FLAGS
# $node_flags unquoted on purpose below: one word per flag.
# shellcheck disable=SC2086
case $app in
  router|worker|auditor|api|gateway)
    # An operator's flags are tried once first, so a typo is named as this setting's
    # (node alone says only "bad option"). Without NODE_OPTIONS: its --cpu-prof or
    # --import would run for the check too.
    if [ -n "$own_flags" ] && ! refused=$(NODE_OPTIONS='' node $own_flags -e 0 2>&1); then
      echo "herald: node refuses HERALD_NODE_FLAGS='$own_flags': $refused" >&2
      echo "herald: fix the flags, or unset HERALD_NODE_FLAGS for the default ('$default_flags')" >&2
      exit 2
    fi
    exec node $node_flags "$home/apps/$app/dist/main.js" "$@" ;;
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
