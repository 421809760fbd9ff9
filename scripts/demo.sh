#!/usr/bin/env bash
# The README's first command: on a fresh clone, installs what is missing, starts the
# local stack (Kafka, PostgreSQL, Redis), builds Herald, runs the router, a webhook
# worker and the auditor against a local receiver, produces a few sample events and
# prints each delivery as it happens, then what the audit table recorded.
#
#   npm run demo              run the demo, then stop Herald (the stack keeps running)
#   npm run demo -- --follow  keep Herald running after the demo; Ctrl-C stops it
set -euo pipefail
cd "$(dirname "$0")/.."
# Node.js from .node-version first on PATH (a current LTS even where the system node is older).
source scripts/node-env.sh
follow=0
[ "${1:-}" = "--follow" ] && follow=1

bash scripts/bootstrap.sh
bash deploy/local/stack.sh up
eval "$(bash deploy/local/stack.sh env)"
export TURBO_TELEMETRY_DISABLED=1
echo "[demo] building Herald"
npx turbo run build --output-logs=errors-only >/dev/null

run_dir=.local/demo
mkdir -p "$run_dir" .local/logs
port=${HERALD_STACK_DEMO_PORT:-18080}
# Ops servers (/metrics, /healthz, /readyz): one port each, since the apps share a machine.
metrics_port=${HERALD_STACK_DEMO_METRICS_PORT:-19464}
prefix="demo-$(date +%s)."
secret="whsec_$(head -c 32 /dev/urandom | base64)"
sed "s#\${RECEIVER_URL}#http://127.0.0.1:$port#" examples/demo/rules.yaml >"$run_dir/rules.yaml"
db_url=$(node examples/demo/fresh-database.mjs "$DATABASE_URL" herald_demo)

pids=()
cleanup() {
  echo "[demo] stopping Herald"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# start <name> <command...>: runs it in the background, logs to .local/logs/demo-<name>.log
start() {
  local name=$1; shift
  "$@" >".local/logs/demo-$name.log" 2>&1 &
  pids+=($!)
}
wait_started() {
  local name=$1 deadline=$((SECONDS + 60))
  until grep -q '"msg":"started"' ".local/logs/demo-$name.log" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      echo "[demo] $name did not start; its log:" >&2
      tail -n 30 ".local/logs/demo-$name.log" >&2
      exit 1
    fi
    sleep 0.3
  done
  echo "[demo] $name started (log: .local/logs/demo-$name.log)"
}

node examples/demo/receiver.mjs "$port" "$secret" &
pids+=($!)

common=(KAFKA_BROKERS="$KAFKA_BROKERS" HERALD_TOPIC_PREFIX="$prefix" HERALD_TOPIC_PARTITIONS=3
  HERALD_METRICS_HOST=127.0.0.1)
# Router and worker read the database the auditor migrates: start it first.
start auditor env "${common[@]}" DATABASE_URL="$db_url" HERALD_METRICS_PORT=$((metrics_port + 2)) \
  node apps/auditor/dist/main.js
wait_started auditor
start worker env "${common[@]}" HERALD_WEBHOOK_SECRETS="{\"default\":\"$secret\"}" \
  HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true REDIS_URL="$REDIS_URL" DATABASE_URL="$db_url" \
  HERALD_METRICS_PORT=$((metrics_port + 1)) node apps/worker/dist/main.js --channel webhook
start router env "${common[@]}" HERALD_RULES_FILE="$run_dir/rules.yaml" REDIS_URL="$REDIS_URL" \
  DATABASE_URL="$db_url" HERALD_METRICS_PORT=$metrics_port node apps/router/dist/main.js
for app in worker router; do wait_started "$app"; done
echo "[demo] metrics: router http://127.0.0.1:$metrics_port/metrics," \
  "worker :$((metrics_port + 1)), auditor :$((metrics_port + 2))"

node examples/demo/produce.mjs "$KAFKA_BROKERS" "$prefix"
echo "[demo] waiting for the deliveries and the audit trail"
sleep 4
grep -h '"msg":"event rejected"' .local/logs/demo-router.log |
  node -e 'require("readline").createInterface({ input: process.stdin }).on("line", (l) => { const e = JSON.parse(l); console.log(`[router] rejected: ${e.reason}`); })'
node examples/demo/summary.mjs "$db_url"
echo "[demo] herald status:"
HERALD_TOPIC_PREFIX="$prefix" DATABASE_URL="$db_url" node apps/cli/dist/main.js status | sed 's/^/  /'

if [ $follow -eq 1 ]; then
  echo "[demo] Herald keeps running (topics prefixed $prefix); Ctrl-C stops it"
  wait
fi
