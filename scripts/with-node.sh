#!/usr/bin/env bash
# Runs a command on the Node.js Herald runs on (scripts/node-env.sh): root npm scripts
# start on whatever node runs npm, so they call `bash scripts/with-node.sh <command>`.
set -euo pipefail
source "$(dirname "$0")/node-env.sh"
exec "$@"
