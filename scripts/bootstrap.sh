#!/usr/bin/env bash
# Provides the Node.js Herald runs on, then installs the npm dependencies when they are
# missing or older than package-lock.json.
# Called by `npm test` and `npm run demo`, so a fresh clone needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Node.js Herald runs on (.node-version): the system one when it is new enough,
# otherwise the pinned build in .local/node (scripts/node-env.sh). Scripts that run
# bootstrap source node-env.sh themselves too, so everything after it uses that Node.
source scripts/node-env.sh

# `npm install`, not `npm ci`: npm 11.19's `ci` rejects a lock file that lacks the
# platform-specific optional packages of @swc/core, turbo and unrs-resolver, reporting
# "Missing: @swc/core-darwin-arm64@ from lock file". The committed lock lists them all
# (regenerate it with a plain `npm install`, never with --omit=optional), so `npm install`
# installs exactly the locked versions. `--no-save`: bootstrap only installs; it never
# rewrites package.json or package-lock.json (a fresh clone stays clean).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
   [ package.json -nt node_modules/.package-lock.json ]; then
  echo "[bootstrap] npm install" >&2
  npm install --no-save --no-audit --no-fund --loglevel=error
fi
