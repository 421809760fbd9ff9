#!/bin/sh
# herald <app> [args]: runs one of Herald's apps (router, worker, auditor, api, gateway).
set -e
app=${1:-router}
[ $# -gt 0 ] && shift
case $app in
  router|worker|auditor|api|gateway) exec node "/herald/apps/$app/dist/main.js" "$@" ;;
  # Applies pending SQL migrations (migrations/, forward-only) and exits: the Helm
  # chart's pre-install/pre-upgrade Job. Needs DATABASE_URL.
  migrate)
    cd /herald
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
