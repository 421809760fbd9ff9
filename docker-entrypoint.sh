#!/bin/sh
# herald <app> [args]: runs one of Herald's apps (router, worker, auditor).
set -e
app=${1:-router}
[ $# -gt 0 ] && shift
case $app in
  router|worker|auditor) exec node "/herald/apps/$app/dist/main.js" "$@" ;;
  *) echo "unknown app '$app'; expected router, worker or auditor" >&2; exit 2 ;;
esac
