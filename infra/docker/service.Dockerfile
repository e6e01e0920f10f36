# syntax=docker/dockerfile:1
# One image per service: docker build -f infra/docker/service.Dockerfile --build-arg SERVICE=margin .
# docker-compose.yml builds the four services (margin, liquidation, default-fund, loss-allocation) from this file.
# Node 24 is the current LTS line and the version the workspace runs on (.tools/node, with-node.sh).
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: install the workspace and check the service compiles --------------------------------------
FROM ${NODE_IMAGE} AS build
ARG SERVICE
WORKDIR /app
RUN test -n "${SERVICE}" || (echo "build with --build-arg SERVICE=<margin|liquidation|default-fund|loss-allocation>" >&2; exit 1)
# Manifests first, so the dependency layer is cached until a manifest changes.
COPY package.json package-lock.json .npmrc ./
COPY libs/ ./libs/
COPY services/ ./services/
RUN test -f "services/${SERVICE}/src/main.ts" || (echo "no services/${SERVICE}/src/main.ts" >&2; exit 1)
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json nx.json jest.preset.js ./
RUN npx tsc -p tsconfig.json --noEmit
# The runtime loads TypeScript through @swc-node/register (as `npm run ccp` does): workspace
# packages point their "main" at src/index.ts. Keep only what running needs.
RUN npm prune --omit=dev --no-audit --no-fund \
 && npm install --no-save --omit=dev --no-audit --no-fund @swc-node/register @swc/core

# --- runtime ------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production \
    SERVICE=${SERVICE} \
    KAFKA_BROKERS=kafka:9092 \
    DATABASE_URL=postgres://postgres@postgres:5432/ccp
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
CMD ["sh", "-c", "exec node -r @swc-node/register \"services/${SERVICE}/src/main.ts\""]
