#!/usr/bin/env bash
# Herald chaos suite on its own stack instance (never the shared one): starts Kafka,
# PostgreSQL and Redis on chaos ports, builds, runs e2e/chaos/chaos.mjs (router, two
# webhook workers and the auditor as real processes, faults injected on a seeded
# schedule), prints the counts, and brings the chaos stack down whatever happens.
#
#   npm run chaos                          full profile: 50,000 events
#   npm run chaos -- --profile short       CI profile (scripts/test.sh): 2,000 events
#   npm run chaos -- --profile cluster     three Kafka brokers + Redis Cluster (stack.sh cluster):
#                                          SIGKILLs the leader broker and a Redis primary; 5,000 events
#   npm run chaos -- --seed 42 --events 10000
set -euo pipefail
cd "$(dirname "$0")/.."
# Node.js from .node-version first on PATH (a current LTS even where the system node is older).
source scripts/node-env.sh

profile=full
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile="$2"; shift 2 ;;
    --profile=*) profile="${1#--profile=}"; shift ;;
    *) pass+=("$1"); shift ;;
  esac
done
case "$profile" in
  full) defaults=(--events 50000 --rate 500 --settle-ms 900000) ;;
  short) defaults=(--events 2000 --rate 200 --settle-ms 150000) ;;
  cluster) defaults=(--events 5000 --rate 250 --settle-ms 300000 --cluster --max-raw-percent 0.1) ;;
  *) echo "unknown profile $profile (full, short or cluster)" >&2; exit 2 ;;
esac

# A stack of its own: a fresh folder (sharing the repo's jar cache) and free ports per
# run, so two runs on one machine (two CI jobs, say) never meet. CHAOS_STACK_DIR keeps one.
source scripts/own-stack.sh
own_stack_init chaos
# The cluster profile: brokers and Redis nodes on HERALD_CLUSTER_* ports (cluster.sh's
# defaults unless set), data in this run's folder, so nothing else's cluster is touched.
cleanup() {
  if [ "$profile" = cluster ]; then bash deploy/local/stack.sh cluster down >/dev/null 2>&1 || true; fi
  own_stack_cleanup
}
trap cleanup EXIT INT TERM

if [ "$profile" = cluster ]; then
  bash deploy/local/stack.sh up postgres
  bash deploy/local/stack.sh cluster up
  eval "$(bash deploy/local/stack.sh env)"
  eval "$(bash deploy/local/stack.sh cluster env)"
else
  bash deploy/local/stack.sh up
  eval "$(bash deploy/local/stack.sh env)"
fi
if [ "${CHAOS_SKIP_BUILD:-}" != 1 ]; then npx turbo run build --output-logs=errors-only; fi
# The chaos profile bounds itself (settle deadline); this is the last resort.
limit=300; [ "$profile" = full ] && limit=3600; [ "$profile" = cluster ] && limit=900
timeout "$limit" node e2e/chaos/chaos.mjs "${defaults[@]}" "${pass[@]}"
