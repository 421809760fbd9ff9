#!/usr/bin/env bash
# Herald's local multi-node stack: a three-node Kafka KRaft cluster (replication factor 3,
# min.insync.replicas 2) and a six-node Redis Cluster (three primaries, three replicas,
# Debian's redis-server), all on 127.0.0.1. Called through `stack.sh cluster …`.
#
#   deploy/local/stack.sh cluster up   [kafka|redis]   start (formats / creates on first run), wait until ready
#   deploy/local/stack.sh cluster down [kafka|redis]   stop (data kept)
#   deploy/local/stack.sh cluster kill kafka N | redis N   SIGKILL one node (chaos), N counted from 1
#   deploy/local/stack.sh cluster start kafka N | redis N  start that node again
#   deploy/local/stack.sh cluster status | env | reset
#
# Settings (environment):
#   HERALD_STACK_DIR                   data, logs, jar cache        default <repo>/.local
#   HERALD_CLUSTER_KAFKA_PORT          first broker port (then +1, +2)        default 29092
#   HERALD_CLUSTER_KAFKA_CONTROLLER_PORT first controller port (then +1, +2)  default 29192
#   HERALD_CLUSTER_KAFKA_HEAP          JVM heap per broker          default 384m
#   HERALD_CLUSTER_REDIS_PORT          first Redis node port (then +1 … +5)   default 27001
# `env` prints KAFKA_BROKERS (all three), HERALD_TOPIC_REPLICATION=3,
# HERALD_TOPIC_MIN_INSYNC_REPLICAS=2 and REDIS_URL=redis+cluster://… for the apps.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOCAL_DIR="$REPO_DIR/deploy/local"
STACK_DIR=${HERALD_STACK_DIR:-$REPO_DIR/.local}
KAFKA_PORT=${HERALD_CLUSTER_KAFKA_PORT:-29092}
CONTROLLER_PORT=${HERALD_CLUSTER_KAFKA_CONTROLLER_PORT:-29192}
KAFKA_HEAP=${HERALD_CLUSTER_KAFKA_HEAP:-384m}
REDIS_PORT=${HERALD_CLUSTER_REDIS_PORT:-27001}
KAFKA_VERSION=3.9.1
KAFKA_LIB="$STACK_DIR/cache/kafka-$KAFKA_VERSION/lib"
CLUSTER_DIR="$STACK_DIR/cluster"
LOG_DIR="$STACK_DIR/logs"
KAFKA_NODES=3
REDIS_NODES=6

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
wait_for() {
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ $SECONDS -ge $deadline ] && die "$what was not ready after ${seconds}s; see $LOG_DIR"
    sleep 0.5
  done
}
stop_pid() {
  local name=$1 pidfile=$2 signal=${3:-TERM}
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  local pid; pid=$(cat "$pidfile")
  log "stopping $name (pid $pid, SIG$signal)"
  kill "-$signal" "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    [ $SECONDS -ge $deadline ] && kill -KILL "$pid" 2>/dev/null || true
    sleep 0.3
  done
  rm -f "$pidfile"
}

# ---------------------------------------------------------------- kafka

kafka_port() { echo $((KAFKA_PORT + $1 - 1)); }
kafka_dir() { echo "$CLUSTER_DIR/kafka-$1"; }
kafka_java() {
  java -Xms128m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$LOCAL_DIR/kafka-log4j.properties" -cp "$KAFKA_LIB/*" "$@"
}

kafka_format() {
  [ -f "$KAFKA_LIB/.complete" ] || bash "$LOCAL_DIR/stack.sh" jars
  local voters="" n
  for n in $(seq 1 $KAFKA_NODES); do
    voters+="${voters:+,}$n@127.0.0.1:$((CONTROLLER_PORT + n - 1))"
  done
  local cluster_id=""
  for n in $(seq 1 $KAFKA_NODES); do
    local dir; dir=$(kafka_dir "$n")
    mkdir -p "$dir/data" "$LOG_DIR"
    sed -e "s#@NODE_ID@#$n#" -e "s#@DATA_DIR@#$dir/data#" -e "s#@PORT@#$(kafka_port "$n")#g" \
        -e "s#@CONTROLLER_PORT@#$((CONTROLLER_PORT + n - 1))#g" -e "s#@VOTERS@#$voters#" \
        "$LOCAL_DIR/kafka-cluster-server.properties" >"$dir/server.properties"
    [ -f "$dir/data/meta.properties" ] && continue
    # Every node of one cluster is formatted with the same cluster id.
    [ -n "$cluster_id" ] || cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
    log "formatting kafka-$n (cluster $cluster_id)"
    kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" \
      >>"$LOG_DIR/kafka-$n.log" 2>&1 || die "format of kafka-$n failed; see $LOG_DIR/kafka-$n.log"
  done
}

kafka_start() {
  local n=$1 dir; dir=$(kafka_dir "$n")
  pid_alive "$dir/kafka.pid" && return 0
  port_open "$(kafka_port "$n")" && die "port $(kafka_port "$n") is taken; set HERALD_CLUSTER_KAFKA_PORT"
  log "starting kafka-$n on 127.0.0.1:$(kafka_port "$n")"
  setsid nohup java -Xms128m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true "-Dlog4j.configuration=file:$LOCAL_DIR/kafka-log4j.properties" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$dir/server.properties" \
    >>"$LOG_DIR/kafka-$n.log" 2>&1 </dev/null 9>&- &
  echo $! >"$dir/kafka.pid"
}

kafka_node_ready() { port_open "$(kafka_port "$1")"; }

# Ready when every broker is registered with the quorum (a metadata answer lists three).
kafka_ready() {
  local n
  for n in $(seq 1 $KAFKA_NODES); do
    pid_alive "$(kafka_dir "$n")/kafka.pid" || die "kafka-$n exited; see $LOG_DIR/kafka-$n.log"
    kafka_node_ready "$n" || return 1
  done
  node -e '
    const { Kafka, logLevel } = require(process.argv[1]);
    const admin = new Kafka({ brokers: [process.argv[2]], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    admin.connect().then(() => admin.describeCluster()).then(
      (c) => admin.disconnect().then(() => process.exit(c.brokers.length >= 3 ? 0 : 1)),
      () => process.exit(1));' "$REPO_DIR/node_modules/kafkajs" "127.0.0.1:$KAFKA_PORT" 2>/dev/null
}

kafka_up() {
  kafka_format
  local n
  for n in $(seq 1 $KAFKA_NODES); do kafka_start "$n"; done
  wait_for "kafka cluster" 180 kafka_ready
}

kafka_down() {
  local n
  for n in $(seq $KAFKA_NODES -1 1); do stop_pid "kafka-$n" "$(kafka_dir "$n")/kafka.pid"; done
}

# ---------------------------------------------------------------- redis

redis_port() { echo $((REDIS_PORT + $1 - 1)); }
redis_dir() { echo "$CLUSTER_DIR/redis-$1"; }

redis_start() {
  local n=$1 dir; dir=$(redis_dir "$n")
  mkdir -p "$dir" "$LOG_DIR"
  pid_alive "$dir/redis.pid" && return 0
  port_open "$(redis_port "$n")" && die "port $(redis_port "$n") is taken; set HERALD_CLUSTER_REDIS_PORT"
  log "starting redis-$n on 127.0.0.1:$(redis_port "$n")"
  # A replica takes over a primary unreachable for 2 s (cluster-node-timeout).
  redis-server --bind 127.0.0.1 --port "$(redis_port "$n")" --daemonize yes \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
    --pidfile "$dir/redis.pid" --logfile "$LOG_DIR/redis-$n.log" --dir "$dir" \
    --appendonly yes --appendfsync everysec --save "" --protected-mode no >/dev/null 9>&-
}

redis_cluster_ok() {
  redis-cli -p "$REDIS_PORT" cluster info 2>/dev/null | grep -q 'cluster_state:ok'
}

redis_up() {
  command -v redis-server >/dev/null || die "redis-server is missing (apt-get install redis-server)"
  local n nodes=()
  for n in $(seq 1 $REDIS_NODES); do redis_start "$n"; nodes+=("127.0.0.1:$(redis_port "$n")"); done
  for n in $(seq 1 $REDIS_NODES); do
    wait_for "redis-$n" 30 bash -c "[ \"\$(redis-cli -p $(redis_port "$n") ping 2>/dev/null)\" = PONG ]"
  done
  if ! redis_cluster_ok && [ "$(redis-cli -p "$REDIS_PORT" cluster info | grep -c 'cluster_known_nodes:1')" = 1 ]; then
    log "creating the Redis Cluster (3 primaries, 3 replicas)"
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$LOG_DIR/redis-cluster-create.log" 2>&1 ||
      die "redis-cli --cluster create failed; see $LOG_DIR/redis-cluster-create.log"
  fi
  wait_for "redis cluster" 60 redis_cluster_ok
}

redis_down() {
  local n
  for n in $(seq $REDIS_NODES -1 1); do stop_pid "redis-$n" "$(redis_dir "$n")/redis.pid"; done
}

# ---------------------------------------------------------------- commands

print_env() {
  local brokers="" nodes="" n
  for n in $(seq 1 $KAFKA_NODES); do brokers+="${brokers:+,}127.0.0.1:$(kafka_port "$n")"; done
  for n in $(seq 1 $REDIS_NODES); do nodes+="${nodes:+,}127.0.0.1:$(redis_port "$n")"; done
  cat <<EOT
export KAFKA_BROKERS=$brokers
export HERALD_TOPIC_REPLICATION=3
export HERALD_TOPIC_MIN_INSYNC_REPLICAS=2
export REDIS_URL=redis+cluster://$nodes
EOT
}

status() {
  local n pidfile
  echo "Herald local cluster ($CLUSTER_DIR)"
  for n in $(seq 1 $KAFKA_NODES); do
    pidfile="$(kafka_dir "$n")/kafka.pid"
    echo "  kafka-$n  127.0.0.1:$(kafka_port "$n")  $(pid_alive "$pidfile" && echo "running pid $(cat "$pidfile")" || echo stopped)"
  done
  for n in $(seq 1 $REDIS_NODES); do
    pidfile="$(redis_dir "$n")/redis.pid"
    echo "  redis-$n  127.0.0.1:$(redis_port "$n")  $(pid_alive "$pidfile" && echo "running pid $(cat "$pidfile") $(redis-cli -p "$(redis_port "$n")" role 2>/dev/null | head -n 1)" || echo stopped)"
  done
}

services() { [ $# -gt 0 ] && echo "$@" || echo kafka redis; }

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
  up) for s in $(services "$@"); do case $s in kafka) kafka_up ;; redis) redis_up ;; *) die "unknown service $s" ;; esac; done; status >&2 ;;
  down) for s in $(services "$@"); do case $s in kafka) kafka_down ;; redis) redis_down ;; *) die "unknown service $s" ;; esac; done ;;
  kill)
    case ${1:-} in
      kafka) stop_pid "kafka-$2" "$(kafka_dir "$2")/kafka.pid" KILL ;;
      redis) stop_pid "redis-$2" "$(redis_dir "$2")/redis.pid" KILL ;;
      *) die "kill kafka N | redis N" ;;
    esac ;;
  start)
    case ${1:-} in
      kafka) kafka_start "$2"; wait_for "kafka-$2" 120 kafka_node_ready "$2" ;;
      redis) redis_start "$2" ;;
      *) die "start kafka N | redis N" ;;
    esac ;;
  status) status ;;
  env) print_env ;;
  reset) kafka_down; redis_down; rm -rf "$CLUSTER_DIR" ;;
  *) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; [ -z "$cmd" ] || exit 2 ;;
esac
