# Sourced by scripts that need a local stack of their own, never the shared one (soak.sh,
# chaos.sh):
#
#   source scripts/own-stack.sh && own_stack_init soak
#
# sets HERALD_STACK_DIR to a fresh /tmp/herald-<name>-stack-* folder (sharing the repo's
# jar cache; <NAME>_STACK_DIR keeps one instead), picks four free ports (below the
# ephemeral range) for Kafka, its controller, PostgreSQL and Redis (HERALD_STACK_*_PORT),
# and own_stack_cleanup brings that stack down and removes the folder. Two runs on one
# machine never meet.
own_stack_init() {
  local name=$1 keep_var
  keep_var="$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')_STACK_DIR"
  if [ -n "${!keep_var:-}" ]; then
    export HERALD_STACK_DIR=${!keep_var}
    own_stack_dir=
  else
    own_stack_dir=$(mktemp -d "/tmp/herald-$name-stack-XXXXXX")
    export HERALD_STACK_DIR=$own_stack_dir
    mkdir -p .local/cache && ln -s "$PWD/.local/cache" "$own_stack_dir/cache"
  fi
  local ports
  # testkit's picker (run from its source: Node strips the types): ports below the
  # ephemeral range, so Kafka, Postgres and Redis can have theirs back when the chaos
  # suite restarts them.
  ports=$(node --input-type=module -e '
    const { freePorts } = await import(process.argv[1]);
    console.log((await freePorts(4)).join(" "));' "$PWD/tooling/testkit/src/free-port.ts")
  read -r HERALD_STACK_KAFKA_PORT HERALD_STACK_KAFKA_CONTROLLER_PORT HERALD_STACK_PG_PORT HERALD_STACK_REDIS_PORT <<<"$ports"
  export HERALD_STACK_KAFKA_PORT HERALD_STACK_KAFKA_CONTROLLER_PORT HERALD_STACK_PG_PORT HERALD_STACK_REDIS_PORT
}

own_stack_cleanup() {
  bash deploy/local/stack.sh down >/dev/null 2>&1 || true
  if [ -n "${own_stack_dir:-}" ]; then rm -rf "$own_stack_dir"; fi
}
