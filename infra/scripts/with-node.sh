#!/usr/bin/env bash
# Runs its arguments with Node >= 22 and the workspace's dependencies installed:
#   - uses .tools/node/bin/node if provisioned, else the machine's node if it is >= 22, else
#     provisions Node $CCP_NODE_VERSION into .tools/node (git-ignored) from the npm registry's
#     node-linux-<arch> package (the `node` package's preinstall fails under npm 11's allow-scripts);
#   - puts .tools/node/bin and node_modules/.bin first on PATH;
#   - runs `npm ci` if node_modules is missing or package.json / package-lock.json is newer than the
#     last install; a lock that npm ci refuses is an error saying how to fix it (never a silent
#     `npm install` that rewrites the lock);
#   - execs its arguments.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NODE_VERSION="${CCP_NODE_VERSION:-24.21.0}"
MIN_MAJOR=22
TOOLS="$ROOT/.tools/node"

say() { printf '[with-node] %s\n' "$*" >&2; }
die() { printf '[with-node] ERROR: %s\n' "$*" >&2; exit 1; }

node_major() { "$1" -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }

provision_node() {
  local arch
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "no Node build for machine type $(uname -m); install Node >= $MIN_MAJOR yourself" ;;
  esac
  command -v npm >/dev/null 2>&1 || die "the machine's node is older than $MIN_MAJOR and npm is missing: install Node >= $MIN_MAJOR"
  say "provisioning Node $NODE_VERSION ($arch) into .tools/node from the npm registry"
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$NODE_VERSION" >/dev/null) || { rm -rf "$tmp"; die "npm pack node-linux-$arch@$NODE_VERSION failed"; }
  tar -xzf "$tmp"/node-linux-"$arch"-*.tgz -C "$tmp" package/bin/node || { rm -rf "$tmp"; die "the node-linux-$arch tarball has no package/bin/node"; }
  mkdir -p "$TOOLS/bin"
  mv "$tmp/package/bin/node" "$TOOLS/bin/node.new"
  chmod +x "$TOOLS/bin/node.new"
  mv -f "$TOOLS/bin/node.new" "$TOOLS/bin/node"
  rm -rf "$tmp"
}

if [ -z "${CCP_WITH_NODE_READY:-}" ]; then
  mkdir -p "$ROOT/.tools"
  exec 9>"$ROOT/.tools/with-node.lock"
  flock 9
  if [ -x "$TOOLS/bin/node" ] && [ "$(node_major "$TOOLS/bin/node")" -ge "$MIN_MAJOR" ]; then
    export PATH="$TOOLS/bin:$PATH"
  elif command -v node >/dev/null 2>&1 && [ "$(node_major "$(command -v node)")" -ge "$MIN_MAJOR" ]; then
    :
  else
    provision_node
    export PATH="$TOOLS/bin:$PATH"
  fi
  export PATH="$ROOT/node_modules/.bin:$PATH"
  # kafkajs 2.2.4 passes a negative delay to setTimeout in its request queue; Node >= 23 warns on
  # every process (TimeoutNegativeWarning) although the behaviour is the intended "run now".
  case " ${NODE_OPTIONS:-} " in
    *TimeoutNegativeWarning*) ;;
    *) export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--disable-warning=TimeoutNegativeWarning" ;;
  esac

  if [ ! -d "$ROOT/node_modules" ] || [ ! -f "$ROOT/node_modules/.package-lock.json" ] \
    || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ] \
    || [ "$ROOT/package.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    say "installing the locked dependencies (npm ci) with node $(node -v)"
    ci_log="$(mktemp)"
    if ! (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) >"$ci_log" 2>&1; then
      cat "$ci_log" >&2
      rm -f "$ci_log"
      die "npm ci refused the lock file: package-lock.json does not match package.json (or lacks a platform's optional packages). Run \`npm install\` with Node >= $MIN_MAJOR, check that package-lock.json now lists every platform's optional packages, and commit it."
    fi
    rm -f "$ci_log"
    touch "$ROOT/node_modules/.package-lock.json"
  fi
  flock -u 9
  exec 9>&-
  export CCP_WITH_NODE_READY=1
fi

[ "$#" -gt 0 ] || exit 0
exec "$@"
