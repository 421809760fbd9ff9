#!/usr/bin/env bash
# The README's first command: on a fresh clone, installs what is missing, starts the
# local stack (Kafka, PostgreSQL, Redis), builds Herald, runs the router, a webhook
# worker and the auditor against a local receiver, produces a few sample events and
# prints each delivery as it happens, then what the audit table recorded. Then the
# in-app inbox: an inapp worker and the gateway; it prints the inbox page URL and a
# `herald watch` command, and a task's progress events move a bar in both.
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
gateway_port=${HERALD_STACK_DEMO_GATEWAY_PORT:-18090}
# The order rules, then the task rules (examples/tasks: task events to the in-app inbox).
{
  sed "s#\${RECEIVER_URL}#http://127.0.0.1:$port#" examples/demo/rules.yaml
  sed -n '/^rules:/,$p' examples/tasks/rules.yaml | tail -n +2
} >"$run_dir/rules.yaml"
db_url=$(node examples/demo/fresh-database.mjs "$DATABASE_URL" herald_demo)
# The gateway's token secret for tenant acme (demo only; 32+ bytes).
tenant_secrets="{\"acme\":\"$(head -c 32 /dev/urandom | base64 | tr -d '=+/')\"}"

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

# The apps start through docker-entrypoint.sh, as in the image, so they get its Node flags.
common=(HERALD_HOME="$PWD" KAFKA_BROKERS="$KAFKA_BROKERS" HERALD_TOPIC_PREFIX="$prefix"
  HERALD_TOPIC_PARTITIONS=3 HERALD_METRICS_HOST=127.0.0.1)
# Router and worker read the database the auditor migrates: start it first.
start auditor env "${common[@]}" DATABASE_URL="$db_url" HERALD_METRICS_PORT=$((metrics_port + 2)) \
  sh docker-entrypoint.sh auditor
wait_started auditor
DATABASE_URL="$db_url" node apps/cli/dist/main.js templates apply -f examples/tasks/templates.yaml >/dev/null
start inapp env "${common[@]}" REDIS_URL="$REDIS_URL" DATABASE_URL="$db_url" \
  HERALD_METRICS_PORT=$((metrics_port + 3)) sh docker-entrypoint.sh worker --channel inapp
start gateway env "${common[@]}" REDIS_URL="$REDIS_URL" DATABASE_URL="$db_url" \
  HERALD_GATEWAY_TENANT_SECRETS="$tenant_secrets" HERALD_GATEWAY_HOST=127.0.0.1 \
  HERALD_GATEWAY_PORT=$gateway_port HERALD_METRICS_PORT=$((metrics_port + 4)) \
  sh docker-entrypoint.sh gateway
start worker env "${common[@]}" HERALD_WEBHOOK_SECRETS="{\"default\":\"$secret\"}" \
  HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true REDIS_URL="$REDIS_URL" DATABASE_URL="$db_url" \
  HERALD_METRICS_PORT=$((metrics_port + 1)) sh docker-entrypoint.sh worker --channel webhook
start router env "${common[@]}" HERALD_RULES_FILE="$run_dir/rules.yaml" REDIS_URL="$REDIS_URL" \
  DATABASE_URL="$db_url" HERALD_METRICS_PORT=$metrics_port sh docker-entrypoint.sh router
for app in worker inapp gateway router; do wait_started "$app"; done
echo "[demo] metrics: router http://127.0.0.1:$metrics_port/metrics," \
  "worker :$((metrics_port + 1)), auditor :$((metrics_port + 2))"

node examples/demo/produce.mjs "$KAFKA_BROKERS" "$prefix"
echo "[demo] waiting for the deliveries and the audit trail"
sleep 4
grep -h '"msg":"event rejected"' .local/logs/demo-router.log |
  node -e 'require("readline").createInterface({ input: process.stdin }).on("line", (l) => { const e = JSON.parse(l); console.log(`[router] rejected: ${e.reason}`); })'
node examples/demo/summary.mjs "$db_url"
echo "[demo] the in-app inbox (gateway http://127.0.0.1:$gateway_port, docs/inbox.md):"
token=$(HERALD_GATEWAY_TENANT_SECRETS="$tenant_secrets" node apps/cli/dist/main.js tokens issue \
  --tenant acme --subscriber u-1 --ttl 1d)
echo "  inbox page:    http://127.0.0.1:$gateway_port/demo?token=$token"
echo "  terminal view: HERALD_GATEWAY_TENANT_SECRETS='$tenant_secrets' HERALD_GATEWAY_URL=http://127.0.0.1:$gateway_port \\"
echo "                 node apps/cli/dist/main.js watch --tenant acme --subscriber u-1 --after 0"
echo "[demo] a task runs; herald watch shows its progress:"
HERALD_GATEWAY_TENANT_SECRETS="$tenant_secrets" HERALD_GATEWAY_URL="http://127.0.0.1:$gateway_port" \
  node apps/cli/dist/main.js watch --tenant acme --subscriber u-1 --max 12 | sed 's/^/  /' &
watch_pid=$!
sleep 1
node examples/tasks/produce.mjs "$KAFKA_BROKERS" "$prefix" u-1 >/dev/null
wait "$watch_pid" || true
echo "[demo] herald status:"
HERALD_TOPIC_PREFIX="$prefix" DATABASE_URL="$db_url" node apps/cli/dist/main.js status | sed 's/^/  /'

if [ $follow -eq 1 ]; then
  echo "[demo] Herald keeps running (topics prefixed $prefix); Ctrl-C stops it"
  wait
fi
