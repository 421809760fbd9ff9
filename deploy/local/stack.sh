#!/usr/bin/env bash
# Herald's local stack without Docker: Apache Kafka (KRaft, single node), PostgreSQL
# and Redis, all on 127.0.0.1, data under a git-ignored folder of the repo.
#
#   deploy/local/stack.sh up     [kafka|postgres|redis|registry ...]   install what is missing, start, wait until ready
#   deploy/local/stack.sh down   [kafka|postgres|redis|registry ...]   stop (data kept)
#   deploy/local/stack.sh status                              what runs, where, and its memory
#   deploy/local/stack.sh logs   [service] [-f]               the last lines of each log
#   deploy/local/stack.sh reset                               stop and delete all data (the jar cache is kept)
#   deploy/local/stack.sh pids                                '<service> <pid>' per running service (postgres:
#                                                             the postmaster; bench/e2e samples their CPU)
#   deploy/local/stack.sh env                                 print KAFKA_BROKERS, DATABASE_URL, REDIS_URL,
#                                                             SCHEMA_REGISTRY_URL as exports
#   deploy/local/stack.sh cluster up|down|status|env|kill|start   three Kafka brokers (RF 3, min ISR 2)
#                                                             and a six-node Redis Cluster (deploy/local/cluster.sh)
#
# `up` without arguments starts kafka, postgres and redis. The schema registry
# (Apicurio Registry, Confluent-compatible API, schemas kept in a Kafka topic) is
# optional: `up registry` starts it, and Kafka first when nothing answers on its port.
#
# Every command is idempotent and safe to re-run; concurrent callers serialise on a lock.
# Settings (environment):
#   HERALD_STACK_DIR             data, logs and caches        default <repo>/.local
#   HERALD_STACK_KAFKA_PORT            broker listener              default 19092
#   HERALD_STACK_KAFKA_CONTROLLER_PORT KRaft controller listener    default 19093
#   HERALD_STACK_PG_PORT               PostgreSQL                   default 15432
#   HERALD_STACK_REDIS_PORT            Redis                        default 16379
#   HERALD_STACK_KAFKA_HEAP            JVM heap for the broker      default 768m
#   HERALD_STACK_PG_OPTS               extra postgres options, e.g. '-c shared_preload_libraries=pg_stat_statements'
#                                      (diagnosis: docs/benchmarks.md, "Round 6 (issue 19): the audit path's cost")
#   HERALD_STACK_REGISTRY_PORT         schema registry              default 18081
#   HERALD_STACK_REGISTRY_TOPIC        its Kafka journal topic      default herald-registry-journal
# Ports are not the services' defaults on purpose, so the stack never collides with a
# system-wide Postgres or Redis.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOCAL_DIR="$REPO_DIR/deploy/local"
STACK_DIR=${HERALD_STACK_DIR:-$REPO_DIR/.local}
KAFKA_PORT=${HERALD_STACK_KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${HERALD_STACK_KAFKA_CONTROLLER_PORT:-19093}
PG_PORT=${HERALD_STACK_PG_PORT:-15432}
REDIS_PORT=${HERALD_STACK_REDIS_PORT:-16379}
KAFKA_HEAP=${HERALD_STACK_KAFKA_HEAP:-768m}
PG_OPTS=${HERALD_STACK_PG_OPTS:-}
REGISTRY_PORT=${HERALD_STACK_REGISTRY_PORT:-18081}
REGISTRY_TOPIC=${HERALD_STACK_REGISTRY_TOPIC:-herald-registry-journal}
REGISTRY_VERSION=3.0.9
KAFKA_VERSION=3.9.1
PG_USER=herald
PG_PASSWORD=herald
PG_DB=herald

KAFKA_LIB="$STACK_DIR/cache/kafka-$KAFKA_VERSION/lib"
KAFKA_DIR="$STACK_DIR/kafka"
REDIS_DIR="$STACK_DIR/redis"
PG_DIR="$STACK_DIR/postgres"
LOG_DIR="$STACK_DIR/logs"
REGISTRY_HOME="$STACK_DIR/cache/apicurio-registry-$REGISTRY_VERSION"
REGISTRY_DIR="$STACK_DIR/registry"
SERVICES=(kafka postgres redis registry)
DEFAULT_SERVICES=(kafka postgres redis)

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# wait_for <what> <seconds> <command...>: polls until the command succeeds.
wait_for() {
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if [ $SECONDS -ge $deadline ]; then
      die "$what was not ready after ${seconds}s; see '$0 logs' for why"
    fi
    sleep 0.5
  done
}

as_root() { [ "$(id -u)" -eq 0 ]; }

APT_UPDATED=0
apt_install() {
  as_root || die "missing $*; install it (apt-get install $*) or run this script as root so it can"
  if [ $APT_UPDATED -eq 0 ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ---------------------------------------------------------------- installs

ensure_java() {
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
}

ensure_kafka_jars() {
  [ -f "$KAFKA_LIB/.complete" ] && return 0
  ensure_java
  log "resolving Kafka $KAFKA_VERSION jars with Maven into $KAFKA_LIB (first run only)"
  local tmp="$KAFKA_LIB.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  mvn -q -B -f "$LOCAL_DIR/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DoutputDirectory="$tmp" -DincludeScope=runtime >"$STACK_DIR/mvn.log" 2>&1 ||
    die "Maven could not resolve the Kafka jars; see $STACK_DIR/mvn.log"
  rm -rf "$KAFKA_LIB"
  mv "$tmp" "$KAFKA_LIB"
  touch "$KAFKA_LIB/.complete"
}

pg_bindir() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

ensure_postgres() {
  pg_bindir >/dev/null || apt_install postgresql
  pg_bindir >/dev/null || die "PostgreSQL was installed but no initdb was found under /usr/lib/postgresql/*/bin"
}

ensure_redis() {
  command -v redis-server >/dev/null || apt_install redis-server
}

# ---------------------------------------------------------------- kafka

kafka_java() {
  java -Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$LOCAL_DIR/kafka-log4j.properties" \
    -cp "$KAFKA_LIB/*" "$@"
}

kafka_up() {
  ensure_kafka_jars
  mkdir -p "$KAFKA_DIR/data" "$LOG_DIR"
  if pid_alive "$KAFKA_DIR/kafka.pid"; then
    log "kafka already running (pid $(cat "$KAFKA_DIR/kafka.pid"))"
  else
    sed -e "s#@DATA_DIR@#$KAFKA_DIR/data#" \
        -e "s#@PORT@#$KAFKA_PORT#g" \
        -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" \
        "$LOCAL_DIR/kafka-server.properties" >"$KAFKA_DIR/server.properties"
    if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
      local cluster_id
      cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
      log "formatting Kafka storage (cluster $cluster_id)"
      kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_DIR/server.properties" \
        >>"$LOG_DIR/kafka.log" 2>&1 || die "Kafka storage format failed; see $LOG_DIR/kafka.log"
    fi
    port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by another process; set HERALD_STACK_KAFKA_PORT"
    log "starting kafka on 127.0.0.1:$KAFKA_PORT"
    # setsid + nohup: the broker outlives the shell that started it; both exec, so $! is java.
    setsid nohup java -Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -Djava.awt.headless=true "-Dlog4j.configuration=file:$LOCAL_DIR/kafka-log4j.properties" \
      -cp "$KAFKA_LIB/*" kafka.Kafka "$KAFKA_DIR/server.properties" \
      >"$LOG_DIR/kafka.log" 2>&1 </dev/null 9>&- &
    echo $! >"$KAFKA_DIR/kafka.pid"
  fi
  wait_for "kafka" 120 kafka_ready
}

kafka_ready() {
  pid_alive "$KAFKA_DIR/kafka.pid" || die "kafka exited during start-up; see $LOG_DIR/kafka.log"
  port_open "$KAFKA_PORT" && grep -q "Kafka Server started" "$LOG_DIR/kafka.log"
}

kafka_down() { stop_pid kafka "$KAFKA_DIR/kafka.pid" 60; }

# ---------------------------------------------------------------- postgres

# Postgres refuses to run as root, so as root it runs as the `postgres` user. That user
# must be able to reach the data folder; where the repo sits under a private folder
# (e.g. /root), the data goes to /var/tmp instead (pg_private_dir: one folder per stack
# dir, found again by `status` and `pids`), and `status` says where.
pg_private_dir() {
  printf '/var/tmp/herald-stack-%s/postgres' "$(printf '%s' "$STACK_DIR" | md5sum | cut -c1-12)"
}
pg_prepare_dir() {
  if as_root; then
    id postgres >/dev/null 2>&1 || die "user 'postgres' is missing; reinstall the postgresql package"
    mkdir -p "$PG_DIR"
    if ! runuser -u postgres -- test -x "$PG_DIR" 2>/dev/null; then
      PG_DIR=$(pg_private_dir)
      mkdir -p "$PG_DIR"
      chmod 755 "$(dirname "$PG_DIR")"
      log "postgres user cannot enter $STACK_DIR; keeping PostgreSQL data in $PG_DIR"
    fi
    chown postgres:postgres "$PG_DIR"
  else
    mkdir -p "$PG_DIR"
  fi
}

pg_run() { if as_root; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_up() {
  ensure_postgres
  pg_prepare_dir
  local bin; bin=$(pg_bindir)
  mkdir -p "$LOG_DIR"
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    log "initialising PostgreSQL in $PG_DIR/data"
    pg_run bash -c "printf '%s\n' '$PG_PASSWORD' >'$PG_DIR/pwfile' && \
      '$bin/initdb' -D '$PG_DIR/data' -U '$PG_USER' --pwfile='$PG_DIR/pwfile' \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >'$PG_DIR/initdb.log' 2>&1" ||
      die "initdb failed; see $PG_DIR/initdb.log"
  fi
  if pg_run "$bin/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
    log "postgres already running"
  else
    port_open "$PG_PORT" && die "port $PG_PORT is taken by another process; set HERALD_STACK_PG_PORT"
    log "starting postgres on 127.0.0.1:$PG_PORT"
    pg_run mkdir -p "$PG_DIR/run"
    pg_run "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$PG_DIR/run \
          -c max_connections=300 -c shared_buffers=256MB -c synchronous_commit=off \
          -c max_locks_per_transaction=256 ${PG_OPTS}" start >/dev/null 9>&- ||
      die "postgres did not start; see $PG_DIR/postgres.log"
  fi
  ln -sf "$PG_DIR/postgres.log" "$LOG_DIR/postgres.log"
  wait_for "postgres" 60 pg_run "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"
  if ! pg_run "$bin/psql" -h "$PG_DIR/run" -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc \
      "select 1 from pg_database where datname = '$PG_DB'" | grep -q 1; then
    pg_run "$bin/createdb" -h "$PG_DIR/run" -p "$PG_PORT" -U "$PG_USER" "$PG_DB"
  fi
}

pg_down() {
  pg_bindir >/dev/null || return 0
  pg_prepare_dir
  local bin; bin=$(pg_bindir)
  if [ -f "$PG_DIR/data/PG_VERSION" ] && pg_run "$bin/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
    log "stopping postgres"
    pg_run "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null
  fi
}

pg_pid() { [ -f "$PG_DIR/data/postmaster.pid" ] && head -n 1 "$PG_DIR/data/postmaster.pid"; }

# ---------------------------------------------------------------- redis

redis_up() {
  ensure_redis
  mkdir -p "$REDIS_DIR" "$LOG_DIR"
  if pid_alive "$REDIS_DIR/redis.pid"; then
    log "redis already running (pid $(cat "$REDIS_DIR/redis.pid"))"
  else
    port_open "$REDIS_PORT" && die "port $REDIS_PORT is taken by another process; set HERALD_STACK_REDIS_PORT"
    log "starting redis on 127.0.0.1:$REDIS_PORT"
    # Append-only file: idempotency marks and rate-limit windows survive a restart.
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
      --pidfile "$REDIS_DIR/redis.pid" --logfile "$LOG_DIR/redis.log" --dir "$REDIS_DIR" \
      --appendonly yes --appendfsync everysec --save "" --protected-mode no >/dev/null 9>&-
  fi
  wait_for "redis" 30 redis_ready
}

redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

redis_down() { stop_pid redis "$REDIS_DIR/redis.pid" 30; }

# ---------------------------------------------------------------- schema registry

# Apicurio Registry's runnable distribution (Quarkus app + lib/), from Maven Central
# like the Kafka jars; Karapace, the other Apache-licensed choice, is not on PyPI.
ensure_registry_dist() {
  [ -f "$REGISTRY_HOME/.complete" ] && return 0
  ensure_java
  command -v unzip >/dev/null || apt_install unzip
  log "fetching Apicurio Registry $REGISTRY_VERSION with Maven into $REGISTRY_HOME (first run only)"
  local tmp="$REGISTRY_HOME.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # The 2.8 `get` without transitive resolution: the zip's parent POM is not on Maven
  # Central (3.x plugins read it all the same) and the zip needs nothing else. Its own
  # local repository, so the zip's path is known.
  local repo="$STACK_DIR/cache/m2"
  mvn -q -B "-Dmaven.repo.local=$repo" org.apache.maven.plugins:maven-dependency-plugin:2.8:get \
    "-Dartifact=io.apicurio:apicurio-registry-app:$REGISTRY_VERSION:zip:all" -Dtransitive=false \
    >"$STACK_DIR/mvn-registry.log" 2>&1 ||
    die "Maven could not fetch Apicurio Registry; see $STACK_DIR/mvn-registry.log"
  local zip="$repo/io/apicurio/apicurio-registry-app/$REGISTRY_VERSION/apicurio-registry-app-$REGISTRY_VERSION-all.zip"
  (cd "$tmp" && unzip -q "$zip") || die "could not unpack $zip into $tmp"
  rm -f "$zip"
  rm -rf "$REGISTRY_HOME"
  mv "$tmp" "$REGISTRY_HOME"
  touch "$REGISTRY_HOME/.complete"
}

registry_up() {
  ensure_registry_dist
  # The registry keeps its schemas in a Kafka topic: Kafka first, unless something
  # already answers on its port (another stack instance's broker, say).
  port_open "$KAFKA_PORT" || kafka_up
  mkdir -p "$REGISTRY_DIR" "$LOG_DIR"
  if pid_alive "$REGISTRY_DIR/registry.pid"; then
    log "registry already running (pid $(cat "$REGISTRY_DIR/registry.pid"))"
  else
    port_open "$REGISTRY_PORT" && die "port $REGISTRY_PORT is taken by another process; set HERALD_STACK_REGISTRY_PORT"
    log "starting schema registry on 127.0.0.1:$REGISTRY_PORT (journal topic $REGISTRY_TOPIC)"
    setsid nohup java -Xms64m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=$REGISTRY_PORT" \
      -Dquarkus.http.access-log.enabled=false \
      -Dapicurio.storage.kind=kafkasql "-Dapicurio.kafkasql.bootstrap.servers=127.0.0.1:$KAFKA_PORT" \
      "-Dapicurio.kafkasql.topic=$REGISTRY_TOPIC" "-Dapicurio.kafkasql.snapshots.topic=$REGISTRY_TOPIC-snapshots" \
      -jar "$REGISTRY_HOME/apicurio-registry-app-$REGISTRY_VERSION-runner.jar" \
      >"$LOG_DIR/registry.log" 2>&1 </dev/null 9>&- &
    echo $! >"$REGISTRY_DIR/registry.pid"
  fi
  wait_for "registry" 120 registry_ready
}

# Ready once the Confluent API answers and the journal has been read back (health/ready).
registry_ready() {
  pid_alive "$REGISTRY_DIR/registry.pid" || die "the registry exited during start-up; see $LOG_DIR/registry.log"
  curl -sf "http://127.0.0.1:$REGISTRY_PORT/health/ready" >/dev/null 2>&1 &&
    curl -sf "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/config" >/dev/null 2>&1
}

registry_down() { stop_pid registry "$REGISTRY_DIR/registry.pid" 30; }

# ---------------------------------------------------------------- common

# stop_pid <name> <pidfile> <seconds>: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local name=$1 pidfile=$2 seconds=$3
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  local pid; pid=$(cat "$pidfile")
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + seconds))
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      log "$name did not stop in ${seconds}s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.3
  done
  rm -f "$pidfile"
}

rss_mib() { [ -n "${1:-}" ] && ps -o rss= -p "$1" 2>/dev/null | awk '{ printf "%d MiB", $1 / 1024 }'; }

print_env() {
  cat <<EOF
export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export DATABASE_URL=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT
export SCHEMA_REGISTRY_URL=http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7
EOF
}

status() {
  local pg_state="stopped" kafka_state="stopped" redis_state="stopped" registry_state="stopped (optional: up registry)" pid
  pg_bindir >/dev/null 2>&1 && as_root && runuser -u postgres -- test -x "$PG_DIR" 2>/dev/null ||
    PG_DIR=$(pg_private_dir)
  if pid_alive "$KAFKA_DIR/kafka.pid" && port_open "$KAFKA_PORT"; then
    kafka_state="running  pid $(cat "$KAFKA_DIR/kafka.pid")  rss $(rss_mib "$(cat "$KAFKA_DIR/kafka.pid")")"
  fi
  pid=$(pg_pid 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && port_open "$PG_PORT"; then
    local total; total=$(ps -o rss= --ppid "$pid" -p "$pid" | awk '{ s += $1 } END { printf "%d MiB", s / 1024 }')
    pg_state="running  pid $pid  rss $total (all backends)"
  fi
  if pid_alive "$REDIS_DIR/redis.pid" && port_open "$REDIS_PORT"; then
    redis_state="running  pid $(cat "$REDIS_DIR/redis.pid")  rss $(rss_mib "$(cat "$REDIS_DIR/redis.pid")")"
  fi
  if pid_alive "$REGISTRY_DIR/registry.pid" && port_open "$REGISTRY_PORT"; then
    registry_state="running  pid $(cat "$REGISTRY_DIR/registry.pid")  rss $(rss_mib "$(cat "$REGISTRY_DIR/registry.pid")")"
  fi
  cat <<EOF
Herald local stack ($STACK_DIR)
  kafka     127.0.0.1:$KAFKA_PORT   $kafka_state
  postgres  postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB   $pg_state
  redis     redis://127.0.0.1:$REDIS_PORT   $redis_state
  registry  http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7   $registry_state
EOF
  [[ "$kafka_state$pg_state$redis_state" != *stopped* ]]
}

# One '<service> <pid>' line per running service, for samplers (bench/e2e's CPU per
# process); postgres is the postmaster, whose backends are its children.
pids() {
  if as_root && ! runuser -u postgres -- test -x "$PG_DIR" 2>/dev/null; then
    PG_DIR=$(pg_private_dir)
  fi
  local pid
  pid=$(pg_pid 2>/dev/null || true)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "postgres $pid"
  pid_alive "$KAFKA_DIR/kafka.pid" && echo "kafka $(cat "$KAFKA_DIR/kafka.pid")"
  pid_alive "$REDIS_DIR/redis.pid" && echo "redis $(cat "$REDIS_DIR/redis.pid")"
  return 0
}

logs() {
  local follow=0 services=()
  for arg in "$@"; do
    case $arg in -f|--follow) follow=1 ;; *) services+=("$arg") ;; esac
  done
  [ ${#services[@]} -gt 0 ] || services=("${DEFAULT_SERVICES[@]}")
  local files=()
  for s in "${services[@]}"; do files+=("$LOG_DIR/$s.log"); done
  if [ $follow -eq 1 ]; then exec tail -n 50 -F "${files[@]}"; fi
  for f in "${files[@]}"; do
    echo "==> $f <=="
    [ -f "$f" ] && tail -n 60 "$f" || echo "(no log yet)"
  done
}

check_services() {
  for s in "$@"; do
    case " ${SERVICES[*]} " in *" $s "*) ;; *) die "unknown service '$s'; expected one of: ${SERVICES[*]}" ;; esac
  done
}

# The lock is fd 9; every service started under it closes fd 9 (`9>&-`), or a
# long-lived daemon would hold the lock for ever.
with_lock() {
  mkdir -p "$STACK_DIR"
  exec 9>"$STACK_DIR/.lock"
  flock -w 600 9 || die "another stack command holds $STACK_DIR/.lock"
  "$@"
}

up() {
  local services=("$@"); [ ${#services[@]} -gt 0 ] || services=("${DEFAULT_SERVICES[@]}")
  check_services "${services[@]}"
  local started=$SECONDS
  for s in "${services[@]}"; do
    case $s in redis) redis_up ;; postgres) pg_up ;; kafka) kafka_up ;; registry) registry_up ;; esac
  done
  log "ready in $((SECONDS - started))s"
  status >&2 || true
}

down() {
  local services=("$@"); [ ${#services[@]} -gt 0 ] || services=(registry kafka redis postgres)
  check_services "${services[@]}"
  for s in "${services[@]}"; do
    case $s in redis) redis_down ;; postgres) pg_down ;; kafka) kafka_down ;; registry) registry_down ;; esac
  done
}

reset() {
  down
  log "deleting data in $STACK_DIR (the jar cache stays)"
  rm -rf "$KAFKA_DIR" "$REDIS_DIR" "$REGISTRY_DIR" "$LOG_DIR"
  pg_prepare_dir
  rm -rf "$PG_DIR"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
  up) with_lock up "$@" ;;
  down) with_lock down "$@" ;;
  reset) with_lock reset ;;
  status) status ;;
  logs) logs "$@" ;;
  env) print_env ;;
  pids) pids ;;
  cluster) exec bash "$LOCAL_DIR/cluster.sh" "$@" ;;
  # The Kafka jars alone (cluster.sh shares the cache).
  jars) with_lock ensure_kafka_jars ;;
  *) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; [ -z "$cmd" ] || exit 2 ;;
esac
