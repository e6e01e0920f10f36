#!/usr/bin/env bash
# A real Apache Kafka broker without Docker (docs/adr/0002-kafka-broker-from-maven-central.md).
#
#   infra/kafka/kafka.sh fetch          assemble the broker's classpath from Maven Central (cached)
#   infra/kafka/kafka.sh start          format KRaft storage if needed, start in the background, wait
#                                       until the broker answers; reuse a broker already answering
#   infra/kafka/kafka.sh stop           stop the broker this script started (its pid file), nothing else
#   infra/kafka/kafka.sh status         exit 0 if a broker answers on the port, 3 if not
#   infra/kafka/kafka.sh create-topics  create the topics of libs/contracts/src/topics.ts (idempotent)
#   infra/kafka/kafka.sh reset          stop, then delete infra/kafka/.data (all local topics)
#
# Environment (all optional):
#   KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093   loopback ports (non-default: a user's 9092 is left alone)
#   KAFKA_HEAP_OPTS="-Xms256m -Xmx512m"            JVM heap
#   KAFKA_START_TIMEOUT=120                         seconds to wait for the broker to answer
#   KAFKA_FETCH_TIMEOUT=900                         seconds Maven may take to download the jars
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="$HERE/.cache"
LIB="$CACHE/lib"
DATA="$HERE/.data"
KRAFT_DIR="$DATA/kraft"
LOG_DIR="$DATA/log"
PID_FILE="$DATA/kafka.pid"
PROPS="$DATA/server.properties"
HOST=127.0.0.1
PORT="${KAFKA_PORT:-19092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-120}"
FETCH_TIMEOUT="${KAFKA_FETCH_TIMEOUT:-900}"

log() { printf '[kafka] %s\n' "$*" >&2; }
die() { printf '[kafka] ERROR: %s\n' "$1" >&2; exit "${2:-1}"; }

pinned_version() {
  sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/pom.xml" | head -n1
}

require_java() {
  command -v java >/dev/null 2>&1 || die "java not found on PATH: Kafka $(pinned_version) needs a Java 17+ runtime (Debian: apt-get install -y openjdk-17-jre-headless)" 2
}

# --- fetch -------------------------------------------------------------------------------------------
cmd_fetch() {
  local version stamp want
  version="$(pinned_version)"
  [ -n "$version" ] || die "no <kafka.version> property in $HERE/pom.xml"
  want="kafka=$version pom=$(cksum <"$HERE/pom.xml" | cut -d' ' -f1)"
  stamp="$LIB/.stamp"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && ls "$LIB"/kafka_2.13-"$version".jar >/dev/null 2>&1; then
    log "classpath for Kafka $version is cached in ${LIB#"$ROOT"/}"
    return 0
  fi
  require_java
  command -v mvn >/dev/null 2>&1 || die "mvn not found on PATH: the broker's jars come from Maven Central through Maven (Debian: apt-get install -y maven)" 2
  log "fetching Kafka $version and its dependencies from Maven Central (Maven, at most ${FETCH_TIMEOUT}s)"
  local started=$SECONDS tmp="$CACHE/lib.new" mvn_log="$CACHE/mvn.log"
  mkdir -p "$CACHE"
  rm -rf "$tmp"
  if ! timeout "$FETCH_TIMEOUT" mvn -q -B -f "$HERE/pom.xml" \
      -Dstyle.color=never \
      dependency:copy-dependencies -DoutputDirectory="$tmp" >"$mvn_log" 2>&1; then
    tail -n 40 "$mvn_log" >&2 || true
    rm -rf "$tmp"
    die "Maven could not assemble the broker's classpath (log: ${mvn_log#"$ROOT"/})"
  fi
  ls "$tmp"/kafka_2.13-"$version".jar >/dev/null 2>&1 || die "Maven finished but kafka_2.13-$version.jar is missing in $tmp"
  rm -rf "$LIB"
  mv "$tmp" "$LIB"
  printf '%s\n' "$want" >"$stamp"
  log "fetched $(ls "$LIB"/*.jar | wc -l) jars in $((SECONDS - started))s"
}

# --- probing -----------------------------------------------------------------------------------------
# Sends a Kafka ApiVersions v0 request and checks the response carries our correlation id: proof that
# a Kafka broker (not just any program) answers on the port. No client tools needed.
kafka_answers() {
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "\x00\x00\x00\x0e\x00\x12\x00\x00\x00\x00\x00\x07\x00\x04ccpp" >&3
    hdr="$(head -c 8 <&3 | od -An -tx1 | tr -d " \n")"
    [ "${hdr:8:8}" = "00000007" ]
  ' "$HOST" "$PORT" 2>/dev/null
}

port_open() {
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$1" 2>/dev/null
}

# The pid in the pid file, if that process is alive and is the broker of this data folder.
our_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "kafka.Kafka $PROPS" || return 1
  printf '%s\n' "$pid"
}

# --- start -------------------------------------------------------------------------------------------
write_config() {
  cat >"$PROPS" <<EOF
# Written by infra/kafka/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KRAFT_DIR
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
# After a killed broker the controller keeps the old registration until the session expires
# (default 9 s, DUPLICATE_BROKER_REGISTRATION meanwhile); a short session makes recovery quick.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=2500
auto.create.topics.enable=false
# journals keep everything: their topics set retention.ms=-1 (create-topics); ad-hoc topics keep the default
# allocation bases are big facts (TOPIC_SPECS raises max.message.bytes per topic)
message.max.bytes=8388608
replica.fetch.max.bytes=8388608
socket.request.max.bytes=104857600
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
EOF
}

ensure_formatted() {
  local version
  version="$(pinned_version)"
  if [ -f "$KRAFT_DIR/meta.properties" ]; then
    local formatted_with=""
    [ -f "$DATA/kafka.version" ] && formatted_with="$(cat "$DATA/kafka.version")"
    if [ -n "$formatted_with" ] && [ "$formatted_with" != "$version" ]; then
      die "infra/kafka/.data was formatted by Kafka $formatted_with, the pinned version is $version; run 'infra/kafka/kafka.sh reset' to start empty"
    fi
    return 0
  fi
  local cluster_id
  if [ -f "$DATA/cluster.id" ]; then
    cluster_id="$(cat "$DATA/cluster.id")"
  else
    cluster_id="$(java -cp "$LIB/*" -Dlog4j2.configurationFile="$HERE/log4j2.properties" -Dkafka.logs.dir="$LOG_DIR" \
      kafka.tools.StorageTool random-uuid | tail -n1)"
    printf '%s\n' "$cluster_id" >"$DATA/cluster.id"
  fi
  log "formatting KRaft storage (cluster id $cluster_id) in ${KRAFT_DIR#"$ROOT"/}"
  java -cp "$LIB/*" -Dlog4j2.configurationFile="$HERE/log4j2.properties" -Dkafka.logs.dir="$LOG_DIR" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" --ignore-formatted >"$LOG_DIR/format.log" 2>&1 \
    || { cat "$LOG_DIR/format.log" >&2; die "kafka-storage format failed"; }
  printf '%s\n' "$version" >"$DATA/kafka.version"
}

print_log_tail() {
  log "last lines of ${LOG_DIR#"$ROOT"/}/server.log and stdout.log:"
  tail -n 40 "$LOG_DIR/server.log" >&2 2>/dev/null || true
  tail -n 20 "$LOG_DIR/stdout.log" >&2 2>/dev/null || true
}

wait_until_answers() {
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
  while ! kafka_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      print_log_tail
      rm -f "$PID_FILE"
      die "the broker (pid $pid) exited during start-up"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      print_log_tail
      stop_pid "$pid"
      die "the broker did not answer on $HOST:$PORT within ${START_TIMEOUT}s"
    fi
    sleep 0.5
  done
}

cmd_start() {
  local pid
  if pid="$(our_pid)"; then
    if kafka_answers; then
      log "reusing the broker already running (pid $pid) on $HOST:$PORT"
      return 0
    fi
    log "broker pid $pid is alive but not answering yet; waiting"
    wait_until_answers "$pid"
    log "broker (pid $pid) answers on $HOST:$PORT"
    return 0
  fi
  if kafka_answers; then
    log "a Kafka broker not started by this script already answers on $HOST:$PORT; reusing it"
    return 0
  fi
  if port_open "$PORT" || port_open "$CONTROLLER_PORT"; then
    die "port $PORT or $CONTROLLER_PORT is taken by something that is not a Kafka broker; set KAFKA_PORT / KAFKA_CONTROLLER_PORT"
  fi

  require_java
  cmd_fetch
  mkdir -p "$KRAFT_DIR" "$LOG_DIR"
  # Recover from a killed broker: the pid file is stale (checked above) and lock files are left behind.
  if [ -f "$PID_FILE" ]; then
    log "removing stale pid file (pid $(cat "$PID_FILE" 2>/dev/null || echo '?') is not running)"
    rm -f "$PID_FILE"
  fi
  find "$KRAFT_DIR" -maxdepth 2 -name .lock -type f -delete 2>/dev/null || true

  write_config
  ensure_formatted

  local started=$SECONDS
  # setsid: the broker outlives the shell that started it and is not hit by its job-control signals.
  # The wrapper writes its own pid and then execs java, so the pid file holds the JVM's pid.
  # shellcheck disable=SC2086
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PID_FILE" \
    java $HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$HERE/log4j2.properties" -Dkafka.logs.dir="$LOG_DIR" \
    -cp "$LIB/*" kafka.Kafka "$PROPS" >"$LOG_DIR/stdout.log" 2>&1 </dev/null &
  local i
  for i in $(seq 1 50); do [ -s "$PID_FILE" ] && break; sleep 0.1; done
  pid="$(cat "$PID_FILE")"
  log "started Kafka $(pinned_version) (pid $pid) on $HOST:$PORT, controller $HOST:$CONTROLLER_PORT; waiting until it answers"
  wait_until_answers "$pid"
  log "broker answers on $HOST:$PORT after $((SECONDS - started))s (log: ${LOG_DIR#"$ROOT"/}/server.log)"
}

# --- stop --------------------------------------------------------------------------------------------
stop_pid() {
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "broker pid $pid did not stop within 30s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$PID_FILE"
}

cmd_stop() {
  local pid
  if pid="$(our_pid)"; then
    log "stopping broker pid $pid"
    stop_pid "$pid"
    log "stopped"
  else
    [ -f "$PID_FILE" ] && rm -f "$PID_FILE"
    log "no broker started by this script is running (nothing to stop)"
  fi
}

cmd_status() {
  local pid=""
  pid="$(our_pid || true)"
  if kafka_answers; then
    if [ -n "$pid" ]; then echo "running: pid $pid, $HOST:$PORT (started by kafka.sh)"; else echo "running: $HOST:$PORT (not started by kafka.sh)"; fi
    return 0
  fi
  if [ -n "$pid" ]; then echo "starting: pid $pid, not answering on $HOST:$PORT yet"; else echo "stopped"; fi
  return 3
}

cmd_create_topics() {
  export KAFKA_BROKERS="${KAFKA_BROKERS:-$HOST:$PORT}"
  bash "$ROOT/infra/scripts/with-node.sh" node -r @swc-node/register "$HERE/create-topics.ts"
}

cmd_reset() {
  cmd_stop
  rm -rf "$DATA"
  log "deleted ${DATA#"$ROOT"/}"
}

case "${1:-}" in
  fetch) cmd_fetch ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  create-topics) cmd_create_topics ;;
  reset) cmd_reset ;;
  *) echo "usage: $0 {fetch|start|stop|status|create-topics|reset}" >&2; exit 64 ;;
esac
