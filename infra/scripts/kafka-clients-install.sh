#!/usr/bin/env bash
# Installs the two candidate Kafka clients the transport bench compares with kafkajs (ADR 0011) into
# .tools/kafka-clients/ (git-ignored), with its own package.json of exact versions — never into the
# workspace's package.json / package-lock.json:
#   - @platformatic/kafka (pure JavaScript; needs Node >= 22.22 or >= 24.6);
#   - @confluentinc/kafka-javascript (librdkafka bindings). Its install downloads a prebuilt binary
#     from GitHub, which is not reachable here, and its source build downloads zlib, OpenSSL, zstd
#     and curl: we build from source (no download attempt) with CKJS_LINKING=dynamic against Debian's
#     zlib and OpenSSL dev packages (apt-get installs them if missing), and compile the binding
#     against the headers of the Node that runs it, taken from the npm registry's
#     node-linux-<arch>@<that version> package (nodejs.org, where node-gyp fetches them, is not
#     reachable either). node-gyp runs make serially: with JOBS=<n> the binding's make races the
#     librdkafka configure action ("No rule to make target '../deps/librdkafka/config.h'").
# Each client's install is timed from an empty npm cache (as a CI job or an image build without a
# cache would run it) and the seconds written to .tools/kafka-clients/install-times.json, which the
# bench reports: the install cost is part of the choice.
#
#   bash infra/scripts/kafka-clients-install.sh        # (re)install both, from scratch
#
# Run through with-node.sh (it re-execs itself so): node and npm must be the Node the bench runs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ -z "${CCP_WITH_NODE_READY:-}" ]; then exec bash "$ROOT/infra/scripts/with-node.sh" bash "${BASH_SOURCE[0]}" "$@"; fi

PLATFORMATIC_VERSION=2.12.1
CONFLUENT_VERSION=1.10.1
DIR="$ROOT/.tools/kafka-clients"

say() { printf '[kafka-clients] %s\n' "$*" >&2; }
die() { printf '[kafka-clients] ERROR: %s\n' "$*" >&2; exit 1; }

NODE_VERSION="$(node -p 'process.versions.node')"
case "$(uname -m)" in
  x86_64 | amd64) ARCH=x64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  *) die "no node-linux package for machine type $(uname -m)" ;;
esac

missing_dev_packages() {
  local p
  for p in libssl-dev zlib1g-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s ' "$p"
  done
}

ensure_build_tools() {
  local t
  for t in g++ make python3; do command -v "$t" >/dev/null 2>&1 || die "$t is needed to build librdkafka and the binding"; done
  local missing
  missing="$(missing_dev_packages)"
  if [ -n "$missing" ]; then
    command -v apt-get >/dev/null 2>&1 || die "install the development packages of OpenSSL and zlib ($missing)"
    say "installing $missing with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >/dev/null \
      || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >/dev/null; } \
      || die "apt-get could not install $missing"
  fi
}

# Node's headers for node-gyp: package/include/node/* of node-linux-<arch>@<running version>.
node_headers() {
  local dest="$1"
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent --cache "$tmp/.npm" "node-linux-$ARCH@$NODE_VERSION" >/dev/null) || { rm -rf "$tmp"; die "npm pack node-linux-$ARCH@$NODE_VERSION failed"; }
  mkdir -p "$dest"
  tar -xzf "$tmp"/node-linux-"$ARCH"-*.tgz -C "$dest" package/include/node || { rm -rf "$tmp"; die "node-linux-$ARCH@$NODE_VERSION has no package/include/node"; }
  rm -rf "$tmp"
  [ -f "$dest/package/include/node/node.h" ] || die "no node.h under $dest/package/include/node"
}

# npm install of one exact version into $DIR, from an empty cache; prints the seconds it took.
timed_install() {
  local spec="$1"
  shift
  local cache t0 t1
  cache="$(mktemp -d)"
  t0="$(date +%s.%N)"
  (cd "$DIR" && env "$@" npm install --save-exact --no-audit --no-fund --loglevel=error --cache "$cache" "$spec" >&2) || { rm -rf "$cache"; die "npm install $spec failed"; }
  t1="$(date +%s.%N)"
  rm -rf "$cache"
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'
}

# kafkajs, the current client, for comparison: the locked version, into a throw-away directory
KAFKAJS_VERSION="$(node -p "require('$ROOT/node_modules/kafkajs/package.json').version")"
say "kafkajs@$KAFKAJS_VERSION (the current client, for comparison; installed into a temporary directory)"
scratch="$(mktemp -d)"
echo '{"name":"kafkajs-install-time","private":true}' >"$scratch/package.json"
kafkajs_s="$(DIR="$scratch" timed_install "kafkajs@$KAFKAJS_VERSION")"
rm -rf "$scratch"
say "  ${kafkajs_s} s"

rm -rf "$DIR"
mkdir -p "$DIR"
cat >"$DIR/package.json" <<'JSON'
{
  "name": "ccp-kafka-clients",
  "private": true,
  "description": "Candidate Kafka clients for the transport bench (infra/scripts/kafka-clients-install.sh, ADR 0011); not a workspace dependency.",
  "dependencies": {}
}
JSON

say "@platformatic/kafka@$PLATFORMATIC_VERSION (node $NODE_VERSION)"
platformatic_s="$(timed_install "@platformatic/kafka@$PLATFORMATIC_VERSION")"
say "  ${platformatic_s} s"

say "@confluentinc/kafka-javascript@$CONFLUENT_VERSION: librdkafka built from source (CKJS_LINKING=dynamic), binding against node $NODE_VERSION's headers"
t0="$(date +%s.%N)"
ensure_build_tools
node_headers "$DIR/node-headers-$NODE_VERSION"
headers_s="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
confluent_npm_s="$(timed_install "@confluentinc/kafka-javascript@$CONFLUENT_VERSION" \
  CKJS_LINKING=dynamic \
  npm_config_build_from_source=true \
  npm_config_nodedir="$DIR/node-headers-$NODE_VERSION/package")"
confluent_s="$(awk -v a="$headers_s" -v b="$confluent_npm_s" 'BEGIN { printf "%.1f", a + b }')"
say "  ${confluent_s} s (build prerequisites + node headers ${headers_s} s, npm install ${confluent_npm_s} s)"

# the bench loads each client from here; check both load under this node before recording them
(cd "$DIR" && node -e "require('@platformatic/kafka'); require('@confluentinc/kafka-javascript'); console.error('[kafka-clients]   both load under node ' + process.version)") \
  || die "a client installed but does not load under node $NODE_VERSION"

cat >"$DIR/install-times.json" <<JSON
{
  "measuredAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "node": "v$NODE_VERSION",
  "cores": $(nproc),
  "loadAverage": "$(cut -d' ' -f1-3 /proc/loadavg)",
  "npmCache": "empty (each install from a fresh cache)",
  "clients": {
    "kafkajs": { "version": "$KAFKAJS_VERSION", "seconds": $kafkajs_s, "how": "npm install (pure JavaScript; already in the workspace lock, timed into a temporary directory for comparison)" },
    "@platformatic/kafka": { "version": "$PLATFORMATIC_VERSION", "seconds": $platformatic_s, "how": "npm install (pure JavaScript)" },
    "@confluentinc/kafka-javascript": { "version": "$CONFLUENT_VERSION", "seconds": $confluent_s, "how": "build prerequisites checked + node headers from node-linux-$ARCH@$NODE_VERSION ($headers_s s) + npm install building librdkafka and the binding from source, CKJS_LINKING=dynamic, serial make on $(nproc) cores ($confluent_npm_s s)" }
  }
}
JSON
say "wrote ${DIR#"$ROOT/"}/install-times.json"
