#!/usr/bin/env bash
# The stack in containers, end to end (docs/adr/0010-containers.md): a Docker engine (reused, or
# started by hand), the images built from Debian, npm and Maven Central (images-build.sh), then
# docker-compose brings up docker-compose.yml with the locally built images — Kafka, PostgreSQL,
# ccp-init, the four services on read-only root filesystems — and:
#   1. every service becomes healthy (/health/ready: journal folded, consumer in its group);
#   2. the ccp-member-default scenario runs through the containerized services; the embedded engine
#      gives the same outcome; `ccp audit verify --kafka` passes against the containerized broker;
#   3. the read API answers a token from the deployment's issuer and refuses a request without one;
#   4. `docker-compose stop` (SIGTERM): every service drains and exits 0 within its grace period.
# Stops and removes what it started (containers, network, volumes; dockerd if it started it).
#
#   infra/scripts/containers-e2e.sh [scenario.json]
#
# Environment: CCP_E2E_KAFKA_PORT (29092), CCP_E2E_POSTGRES_PORT (55432), CCP_KEEP_CONTAINERS=1
# leaves the stack running; images-build.sh's and docker-engine.sh's variables.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ -z "${CCP_WITH_NODE_READY:-}" ]; then
  exec bash "$ROOT/infra/scripts/with-node.sh" bash "${BASH_SOURCE[0]}" "$@"
fi
cd "$ROOT"
SCENARIO="${1:-docs/scenarios/ccp-member-default.json}"
[ -f "$SCENARIO" ] || { echo "[containers-e2e] no scenario file $SCENARIO" >&2; exit 64; }
E2E="$ROOT/infra/.run/containers-e2e"
export CCP_KAFKA_HOST_PORT="${CCP_E2E_KAFKA_PORT:-29092}"
export CCP_POSTGRES_PORT="${CCP_E2E_POSTGRES_PORT:-55432}"
export CCP_E2E_KEYS_DIR="$E2E/keys"
COMPOSE=(docker-compose --project-name ccp-e2e -f docker-compose.yml -f infra/compose/local-images.yml -f infra/compose/containers-e2e.yml)
SERVICES=(margin liquidation default-fund loss-allocation)
STARTED="$(mktemp "${TMPDIR:-/tmp}/ccp-containers-started.XXXXXX")"
log() { printf '[containers-e2e] %s\n' "$*" >&2; }
fail() { printf '[containers-e2e] FAILED: %s\n' "$*" >&2; exit 1; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$rc" -ne 0 ] && docker info >/dev/null 2>&1; then
    log "logs of the stack (last 30 lines each):"
    "${COMPOSE[@]}" logs --no-color --tail=30 >&2 2>/dev/null || true
  fi
  if [ -n "${CCP_KEEP_CONTAINERS:-}" ]; then
    log "CCP_KEEP_CONTAINERS is set: the stack keeps running (${COMPOSE[*]} down -v stops it)"
  else
    "${COMPOSE[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
    grep -qx dockerd "$STARTED" && bash infra/scripts/docker-engine.sh down
  fi
  rm -f "$STARTED"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started=$SECONDS
bash infra/scripts/docker-engine.sh up --record "$STARTED"
bash infra/scripts/images-build.sh

"${COMPOSE[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
rm -rf "$E2E" && mkdir -p "$CCP_E2E_KEYS_DIR"
chown 1000:1000 "$CCP_E2E_KEYS_DIR" 2>/dev/null || chmod 0777 "$CCP_E2E_KEYS_DIR"

log "docker-compose up: kafka (127.0.0.1:$CCP_KAFKA_HOST_PORT), postgres (127.0.0.1:$CCP_POSTGRES_PORT), ccp-init, ${SERVICES[*]}"
up_started=$SECONDS
"${COMPOSE[@]}" up -d --no-build >/dev/null
container() { "${COMPOSE[@]}" ps -q "$1"; }
for service in "${SERVICES[@]}"; do
  until [ "$(docker inspect --format '{{.State.Health.Status}}' "$(container "$service")" 2>/dev/null)" = healthy ]; do
    state="$(docker inspect --format '{{.State.Status}}' "$(container "$service")" 2>/dev/null || echo missing)"
    [ "$state" = running ] || [ "$state" = created ] || fail "$service is $state before it became healthy"
    [ $((SECONDS - up_started)) -lt 300 ] || fail "$service not healthy within 300 s"
    sleep 2
  done
done
log "all four services healthy $((SECONDS - up_started))s after docker-compose up"
[ "$(docker inspect --format '{{.State.ExitCode}}' "$(container ccp-init)")" = 0 ] || fail "ccp-init did not exit 0"
for service in "${SERVICES[@]}"; do
  [ "$(docker inspect --format '{{.HostConfig.ReadonlyRootfs}} {{.Config.User}}' "$(container "$service")")" = "true node" ] \
    || fail "$service does not run as user node on a read-only root filesystem"
done
log "services run as user node on read-only root filesystems; images: $(docker image inspect --format '{{index .RepoTags 0}} {{.Size}}' ccp/services:local ccp/kafka:4.4.0 ccp/postgres:15 | awk '{ printf "%s%s %.0f MB", sep, $1, $2 / 1000000; sep = ", " }')"

export KAFKA_BROKERS="127.0.0.1:$CCP_KAFKA_HOST_PORT" CCP_TOPIC_NAMESPACE="" CCP_JOURNAL_KEYS_DIR="$CCP_E2E_KEYS_DIR"
echo
echo "=== scenario $SCENARIO through the containerized services"
node -r @swc-node/register libs/kafka-runtime/src/run-through-services.main.ts "$SCENARIO" --out "$E2E/out"
bash infra/scripts/verify-run.sh "$SCENARIO" "$E2E/out"

echo
echo "=== the read API of the containerized services"
token="$(node -r @swc-node/register libs/cli/src/main.ts tokens issue --key "$CCP_E2E_KEYS_DIR/read-api-issuer.key.pem" --auditor --ttl 300)"
first_default="$(node -e 'const o=require(process.argv[1]); console.log(o.defaults[0]?.defaultId ?? "")' "$E2E/out/outcome.json")"
[ -n "$first_default" ] || fail "the scenario recorded no default"
code="$(curl -s -o "$E2E/default.json" -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:3104/defaults/$first_default")"
[ "$code" = 200 ] || fail "GET /defaults/$first_default with an auditor token answered $code"
grep -q "$first_default" "$E2E/default.json" || fail "GET /defaults/$first_default did not return that default"
code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:3104/defaults/$first_default")"
[ "$code" = 401 ] || fail "GET /defaults/$first_default without a token answered $code, not 401"
echo "loss-allocation :3104 /defaults/$first_default: 200 with an auditor token, 401 without"

echo
echo "=== SIGTERM: docker-compose stop (grace 15 s)"
stop_started=$SECONDS
"${COMPOSE[@]}" stop "${SERVICES[@]}" >/dev/null 2>&1
for service in "${SERVICES[@]}"; do
  id="$(container "$service")"
  exit_code="$(docker inspect --format '{{.State.ExitCode}}' "$id")"
  drained="$(docker logs "$id" 2>&1 | grep -o 'drained in [0-9]* ms[^"]*' | tail -n1)"
  [ "$exit_code" = 0 ] || fail "$service exited $exit_code on SIGTERM (137 = killed after the grace period)"
  [ -n "$drained" ] || fail "$service did not log its drain"
  echo "  $service: exit 0, $drained"
done
echo "all four stopped in $((SECONDS - stop_started))s"
echo
echo "containers e2e passed in $((SECONDS - started))s"
