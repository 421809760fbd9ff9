#!/usr/bin/env bash
# npm run bench:gateway: the gateway benchmark (docs/inbox.md, "Benchmark"). Not part of
# npm test. Needs the local stack running (deploy/local/stack.sh up) and a build.
#   BENCH_CONNECTIONS=20000 BENCH_TABS=10 npm run bench:gateway
set -euo pipefail
cd "$(dirname "$0")"
# 20k client sockets plus 20k server sockets, and the reconnect storm on top: the
# default 1024 (or 20000) descriptors are not enough. Root may raise the hard limit.
ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
limit=$(ulimit -n)
echo "[bench] open files limit: $limit"
# One process cannot hold more sockets than its descriptor limit; a container without
# CAP_SYS_RESOURCE cannot raise the hard limit (20,000 here): leave room for the rest.
if [ -z "${BENCH_CONNECTIONS:-}" ] && [ "$limit" -lt 20200 ]; then
  export BENCH_CONNECTIONS=$(( (limit - 200) / 100 * 100 ))
  echo "[bench] the hard limit allows $BENCH_CONNECTIONS connections per process, not 20,000"
fi
eval "$(bash ../../deploy/local/stack.sh env)"
export TURBO_TELEMETRY_DISABLED=1
(cd ../.. && npx turbo run build --filter=@herald/bench-gateway... --output-logs=errors-only >/dev/null)
exec node --max-old-space-size=4096 dist/main.js "$@"
