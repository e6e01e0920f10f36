#!/usr/bin/env bash
# Makes PostgreSQL ready for the project (docs/adr/0003-postgres-and-migrations.md):
#   - uses the server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ccp);
#   - if it is local, installed and down, starts it with pg_ctlcluster and notes that in
#     infra/.run/postgres.started (infra-down.sh stops only a server this script started);
#   - creates the database of DATABASE_URL and its test twin (<name>_test) if missing;
#   - applies the TypeORM migrations of libs/persistence to both.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN_DIR="$ROOT/infra/.run"
DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ccp}"
READY_TIMEOUT="${POSTGRES_READY_TIMEOUT:-60}"

log() { printf '[postgres] %s\n' "$*" >&2; }
die() { printf '[postgres] ERROR: %s\n' "$1" >&2; exit "${2:-1}"; }

# postgres://user[:password]@host[:port]/database[?query]
[[ "$DATABASE_URL" =~ ^postgres(ql)?://([^@/]+@)?([^:/?]+)(:([0-9]+))?/([A-Za-z0-9_]+)(\?.*)?$ ]] \
  || die "DATABASE_URL must look like postgres://user@host:port/database; got '$DATABASE_URL'"
DB_HOST="${BASH_REMATCH[3]}"
DB_PORT="${BASH_REMATCH[5]:-5432}"
DB_NAME="${BASH_REMATCH[6]}"
SERVER_URL="${DATABASE_URL%/*}"
QUERY="${BASH_REMATCH[7]}"
ADMIN_URL="$SERVER_URL/postgres$QUERY"
TEST_DB_NAME="${DB_NAME}_test"
[[ "$DB_NAME" == *_test ]] && TEST_DB_NAME=""

command -v psql >/dev/null 2>&1 || die "psql not found: install PostgreSQL (Debian: apt-get install -y postgresql) or point DATABASE_URL at a server" 2

server_ready() { pg_isready -q -h "$DB_HOST" -p "$DB_PORT" -t 2 >/dev/null 2>&1; }

start_local_server() {
  case "$DB_HOST" in 127.0.0.1 | localhost | ::1) ;; *) return 1 ;; esac
  command -v pg_ctlcluster >/dev/null 2>&1 || return 1
  [ -d /etc/postgresql ] || return 1
  local version started=""
  for version in $(ls /etc/postgresql); do
    [ -d "/etc/postgresql/$version/main" ] || continue
    log "starting PostgreSQL $version (cluster main)"
    if pg_ctlcluster --skip-systemctl-redirect "$version" main start; then started="$version"; break; fi
  done
  [ -n "$started" ] || return 1
  mkdir -p "$RUN_DIR"
  printf '%s\n' "$started" >"$RUN_DIR/postgres.started"
}

if ! server_ready; then
  start_local_server || die "no PostgreSQL answers on $DB_HOST:$DB_PORT and none could be started here"
  deadline=$((SECONDS + READY_TIMEOUT))
  until server_ready; do
    [ "$SECONDS" -lt "$deadline" ] || die "PostgreSQL did not accept connections on $DB_HOST:$DB_PORT within ${READY_TIMEOUT}s"
    sleep 0.5
  done
fi

ensure_database() {
  local name="$1"
  if [ "$(psql "$ADMIN_URL" -XAtqc "SELECT 1 FROM pg_database WHERE datname = '$name'")" = "1" ]; then
    return 0
  fi
  log "creating database $name"
  # Another process may create it at the same moment: 'already exists' is success.
  local out
  if ! out="$(psql "$ADMIN_URL" -Xqc "CREATE DATABASE \"$name\"" 2>&1)"; then
    grep -q 'already exists' <<<"$out" || die "could not create database $name: $out"
  fi
}

ensure_database "$DB_NAME"
[ -n "$TEST_DB_NAME" ] && ensure_database "$TEST_DB_NAME"

migrate_database() {
  DATABASE_URL="$1" bash "$ROOT/infra/scripts/with-node.sh" node -r @swc-node/register "$ROOT/infra/postgres/migrate.ts"
}

migrate_database "$DATABASE_URL"
[ -n "$TEST_DB_NAME" ] && migrate_database "$SERVER_URL/$TEST_DB_NAME$QUERY"
log "PostgreSQL ready on $DB_HOST:$DB_PORT: databases $DB_NAME${TEST_DB_NAME:+ and $TEST_DB_NAME} migrated"
