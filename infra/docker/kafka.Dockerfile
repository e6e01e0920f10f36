# Apache Kafka (KRaft, combined broker + controller) where no registry serves apache/kafka: Debian's
# JRE and the broker jars that infra/kafka assembles from Maven Central (docs/adr/0002). The build
# context is staged by infra/scripts/images-build.sh: lib/ (the jars), entrypoint.sh, log4j2.properties.
# Configured like apache/kafka: every KAFKA_* variable is a broker property (KAFKA_NODE_ID ->
# node.id, `__` -> `_`, `___` -> `-`), CLUSTER_ID formats empty storage, KAFKA_HEAP_OPTS sizes the heap.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc /usr/share/man \
 && groupadd --gid 1000 appuser && useradd --uid 1000 --gid appuser --no-create-home --shell /usr/sbin/nologin appuser \
 && mkdir -p /var/lib/kafka/data /opt/kafka/config && chown -R appuser:appuser /var/lib/kafka /opt/kafka/config
COPY lib/ /opt/kafka/libs/
COPY entrypoint.sh /opt/kafka/bin/entrypoint.sh
COPY ready.sh /opt/kafka/bin/ready.sh
COPY log4j2.properties /opt/kafka/config/log4j2.properties
USER appuser
VOLUME /var/lib/kafka/data
EXPOSE 9092 9093
HEALTHCHECK --interval=5s --timeout=5s --start-period=20s --retries=24 CMD ["/opt/kafka/bin/ready.sh"]
ENTRYPOINT ["/opt/kafka/bin/entrypoint.sh"]
