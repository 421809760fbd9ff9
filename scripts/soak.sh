#!/usr/bin/env bash
# Herald soak on its own stack instance (never the shared one), like scripts/chaos.sh:
# starts Kafka, PostgreSQL and Redis on free ports in a temporary folder, builds, runs
# e2e/soak/soak.mjs (router, worker, auditor, api and gateway as real processes at a
# steady event rate, sampled for memory, fds, handles and event-loop delay; a leak past
# its bound fails it), and brings the soak stack down whatever happens.
# Not part of scripts/test.sh: run it by hand (docs/reliability.md, "Soak").
#
#   npm run soak                            short profile: 3 minutes at 40 events/s
#   npm run soak -- --profile 30m           30 minutes at 40 events/s (issue 18)
#   npm run soak -- --duration-s 600 --rate 100 --sample-s 10
set -euo pipefail
cd "$(dirname "$0")/.."
# Node.js from .node-version first on PATH (a current LTS even where the system node is older).
source scripts/node-env.sh

profile=short
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile="$2"; shift 2 ;;
    --profile=*) profile="${1#--profile=}"; shift ;;
    *) pass+=("$1"); shift ;;
  esac
done
case "$profile" in
  short) defaults=(--duration-s 180 --rate 40 --sample-s 5); limit=900 ;;
  30m) defaults=(--duration-s 1800 --rate 40 --sample-s 15); limit=2700 ;;
  *) echo "unknown profile $profile (short or 30m)" >&2; exit 2 ;;
esac

# A stack of its own: a fresh folder (sharing the repo's jar cache) and free ports per run
# (scripts/own-stack.sh); SOAK_STACK_DIR keeps one. Down and removed whatever happens.
source scripts/own-stack.sh
own_stack_init soak
trap own_stack_cleanup EXIT INT TERM

bash deploy/local/stack.sh up
eval "$(bash deploy/local/stack.sh env)"
if [ "${SOAK_SKIP_BUILD:-}" != 1 ]; then npx turbo run build --output-logs=errors-only; fi
# The run bounds itself (duration + settle); this is the last resort.
timeout "$limit" node e2e/soak/soak.mjs --profile "$profile" "${defaults[@]}" "${pass[@]}"
