# Sourced by every project script (bootstrap, test, demo, chaos, with-node): puts the
# Node.js Herald runs on first on PATH. The version is pinned in .node-version. A system
# `node` of that major or newer is used as it is; an older one (or none) gets the pinned
# build from the npm registry (the `node-<os>-<arch>` package, the same binary as the
# official tarball, integrity-checked by npm) in .local/node, once. The system npm runs it.
#
#   source scripts/node-env.sh     # in a shell: the same switch for `npm test -w …` by hand
herald_node_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
herald_node_version=$(tr -d '[:space:]v' <"$herald_node_root/.node-version")
herald_node_dir="$herald_node_root/.local/node"

herald_node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(herald_node_major)" -lt "${herald_node_version%%.*}" ]; then
  if [ "$("$herald_node_dir/bin/node" --version 2>/dev/null)" != "v$herald_node_version" ]; then
    case "$(uname -s)" in Linux) herald_node_os=linux ;; Darwin) herald_node_os=darwin ;; *) herald_node_os=unsupported ;; esac
    case "$(uname -m)" in x86_64 | amd64) herald_node_arch=x64 ;; aarch64 | arm64) herald_node_arch=arm64 ;; *) herald_node_arch=$(uname -m) ;; esac
    echo "[node] system node is $(node --version 2>/dev/null || echo missing); fetching Node.js $herald_node_version into .local/node" >&2
    # A folder of this process's own, moved into place at the end: two scripts starting
    # together never see half a Node.
    herald_node_tmp="$herald_node_dir.tmp.$$"
    rm -rf "$herald_node_tmp" && mkdir -p "$herald_node_tmp/pack"
    (cd "$herald_node_tmp/pack" && npm pack "node-$herald_node_os-$herald_node_arch@$herald_node_version" --silent --no-audit --no-fund >/dev/null) || {
      rm -rf "$herald_node_tmp"
      echo "[node] could not fetch node-$herald_node_os-$herald_node_arch@$herald_node_version with npm; install Node.js ${herald_node_version%%.*} and re-run." >&2
      return 1 2>/dev/null || exit 1
    }
    tar xzf "$herald_node_tmp"/pack/*.tgz -C "$herald_node_tmp" --strip-components=1 && rm -rf "$herald_node_tmp/pack"
    rm -rf "$herald_node_dir" && mv "$herald_node_tmp" "$herald_node_dir"
  fi
  case ":$PATH:" in *":$herald_node_dir/bin:"*) ;; *) export PATH="$herald_node_dir/bin:$PATH" ;; esac
fi
unset -f herald_node_major
