#!/usr/bin/env bash
# Installs Debian's headless-capable `chromium` when it is missing (idempotent), then
# prints its path. The gateway's browser test (apps/gateway/test/demo-page.browser.test.ts)
# drives it with playwright-core; testkit's chromiumPath() finds it the same way.
#   bash scripts/chromium.sh          # install if needed, print the binary
set -euo pipefail

log() { printf '[chromium] %s\n' "$*" >&2; }
die() { printf '[chromium] error: %s\n' "$*" >&2; exit 1; }
as_root() { [ "$(id -u)" -eq 0 ]; }

find_chromium() {
  local name
  for name in chromium chromium-browser; do
    command -v "$name" >/dev/null && { command -v "$name"; return 0; }
  done
  return 1
}

apt_install() {
  as_root || die "missing $*; install it (apt-get install $*) or run this script as root so it can"
  log "apt-get update"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

find_chromium >/dev/null || apt_install chromium fonts-liberation
find_chromium || die "chromium was installed but no chromium binary is on PATH"
