#!/bin/bash
# Renders server.properties from KAFKA_* variables (as apache/kafka does), formats the KRaft storage
# once (CLUSTER_ID), and execs the broker as PID 1 (SIGTERM shuts it down cleanly).
set -euo pipefail
CONFIG=/opt/kafka/config/server.properties
: "${CLUSTER_ID:?CLUSTER_ID is required (22 characters, base64url of 16 bytes)}"
{
  echo "log.dirs=${KAFKA_LOG_DIRS:-/var/lib/kafka/data}"
  while IFS='=' read -r name value; do
    case "$name" in KAFKA_HEAP_OPTS | KAFKA_LOG_DIRS | KAFKA_JVM_OPTS) continue ;; esac
    key="${name#KAFKA_}"
    key="$(printf '%s' "$key" | sed -e 's/___/-/g' -e 's/__/@/g' -e 's/_/./g' -e 's/@/_/g' | tr '[:upper:]' '[:lower:]')"
    printf '%s=%s\n' "$key" "$value"
  done < <(env | grep -E '^KAFKA_[A-Z0-9_]+=' | sort)
} >"$CONFIG"
CP="/opt/kafka/libs/*"
LOG_OPTS=(-Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties)
if [ ! -f "${KAFKA_LOG_DIRS:-/var/lib/kafka/data}/meta.properties" ]; then
  java -cp "$CP" "${LOG_OPTS[@]}" kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$CONFIG" --ignore-formatted
fi
# shellcheck disable=SC2086 # KAFKA_HEAP_OPTS / KAFKA_JVM_OPTS are lists of JVM options
exec java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} ${KAFKA_JVM_OPTS:-} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
  "${LOG_OPTS[@]}" -cp "$CP" kafka.Kafka "$CONFIG"
