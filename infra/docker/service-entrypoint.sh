#!/bin/sh
# ccp-service [command …]: with no command, runs the service named by SERVICE; otherwise runs the
# command (e.g. `node -r @swc-node/register libs/kafka-runtime/src/prepare-infra.main.ts`).
set -eu
if [ "$#" -gt 0 ]; then exec "$@"; fi
case "${SERVICE:-}" in
  margin | liquidation | default-fund | loss-allocation) ;;
  *) echo "ccp-service: SERVICE must be margin, liquidation, default-fund or loss-allocation (got '${SERVICE:-}')" >&2; exit 64 ;;
esac
exec node -r @swc-node/register "services/${SERVICE}/src/main.ts"
