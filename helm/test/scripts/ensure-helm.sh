#!/usr/bin/env bash
# Prints the path of a helm binary, building it from the Go module proxy on first use.
# The binary is cached under .local/cache/helm-<version>/ (git-ignored), so only the
# first run on a machine pays for the build (a few minutes on two cores).
#   HELM_BINARY=/path/to/helm   use that binary instead (not HERALD_*: apps refuse unknown ones)
set -euo pipefail
version=v3.19.5
if [ -n "${HELM_BINARY:-}" ]; then echo "$HELM_BINARY"; exit 0; fi
root=$(cd "$(dirname "$0")/../../.." && pwd)
dir="$root/.local/cache/helm-$version"
bin="$dir/helm"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
command -v go >/dev/null || { echo "ensure-helm: Go is needed to build helm $version (or set HELM_BINARY)" >&2; exit 1; }
mkdir -p "$dir"
# One build at a time: parallel test workers wait for the first.
exec 9>"$dir.lock"
flock 9
if [ ! -x "$bin" ]; then
  echo "ensure-helm: building helm $version with $(go version | cut -d' ' -f3) (first run only)" >&2
  GOBIN="$dir.tmp" GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install "helm.sh/helm/v3/cmd/helm@$version" >&2
  mv "$dir.tmp/helm" "$bin"
  rmdir "$dir.tmp"
fi
echo "$bin"
