#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than package-lock.json.
# Called by `npm test` and `npm run demo`, so a fresh clone needs nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null; then
  echo "Herald needs Node.js 20.19 or newer (found $(node --version 2>/dev/null || echo none)); install it and re-run." >&2
  exit 1
fi

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
