# The clearinghouse's service image: one image, four services (SERVICE=margin|liquidation|
# default-fund|loss-allocation at run time), plus ccp-init (prepare-infra.main.ts) and the CLI.
#   docker build --network=host -f infra/docker/service.Dockerfile -t ccp/services .
#   docker build --network=host -f infra/docker/service.Dockerfile --build-arg BASE_IMAGE=ccp/node:24.21.0 -t ccp/services .
# BASE_IMAGE is any image with Node >= 22 and npm and a `node` user (uid 1000): the public
# node:24-bookworm-slim, or the one infra/scripts/images-build.sh makes where no registry is reachable.
# Every package comes from package-lock.json (`npm ci`); the runtime loads TypeScript through
# @swc-node/register, a locked dependency (workspace packages point "main" at src/index.ts).
ARG BASE_IMAGE=node:24-bookworm-slim

# --- manifests: only the package files, so the dependency layer is rebuilt only when one changes ------
FROM ${BASE_IMAGE} AS manifests
WORKDIR /app
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json ! -name .npmrc -delete \
 && find . -mindepth 1 -type d -empty -delete

# --- dependencies: exactly the lock's production packages ---------------------------------------------
FROM ${BASE_IMAGE} AS dependencies
# PEM of extra CAs the build's registry connection needs (an egress proxy's); used by npm in this
# stage only, so it is in no layer or history of the runtime image
ARG BUILD_CA_PEM=""
WORKDIR /app
COPY --from=manifests /app /app
RUN if [ -n "$BUILD_CA_PEM" ]; then printf '%s\n' "$BUILD_CA_PEM" >/tmp/build-ca.pem; export NODE_EXTRA_CA_CERTS=/tmp/build-ca.pem; fi \
 && npm ci --omit=dev --no-audit --no-fund --loglevel=error \
 && npm cache clean --force && rm -f /tmp/build-ca.pem

# --- runtime: the dependencies and the sources, two layers ----------------------------------------------
# Metadata first, the two big COPYs last: with the vfs storage driver every step copies the whole
# filesystem, so steps over a small filesystem are the cheap ones.
FROM ${BASE_IMAGE} AS runtime
ENV NODE_ENV=production \
    KAFKA_BROKERS=kafka:9092 \
    DATABASE_URL=postgres://postgres@postgres:5432/ccp \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=3100 \
    NODE_OPTIONS=--disable-warning=TimeoutNegativeWarning
WORKDIR /app
USER node
EXPOSE 3100
# ready = journal folded and consumer in its group (docs/adr/0005); orchestrators probe /health/live for liveness
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.HTTP_PORT}/health/ready`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 (exec): SIGTERM reaches the service, which drains and exits (docs/adr/0005)
ENTRYPOINT ["/app/infra/docker/service-entrypoint.sh"]
COPY --from=dependencies /app /app
COPY . .
