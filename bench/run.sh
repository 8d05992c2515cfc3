#!/usr/bin/env bash
# Benchmark: starts the local stack (scripts/stack.sh) from a fresh Keycloak database, links alice's ArcGIS account in
# headless Chromium (scripts/link-arcgis.mjs; the emulator keeps ArcGIS's tokens in memory, so every run links
# afresh), runs the wrk benchmark bench/keycloak-grants.sh (Keycloak's own grants against this exchange; about 8
# minutes), then bench/arcgis-exchange.mjs (the user's ArcGIS token, refreshed at every exchange versus cached: the
# extension's own share of each, in ROUNDS rounds; about a minute) and stops.
#   bench/run.sh [--enterprise] [--beside]     the ArcGIS deployment, as ./run-local.sh
#   WARMUP, DURATION, ROUNDS as bench/keycloak-grants.sh; the stack's environment as scripts/stack.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/stack.sh
. scripts/stack.sh
STACK_RESET=yes
for arg in "$@"; do
  case "$arg" in
    --enterprise) STACK_ENTERPRISE=yes ;;
    --beside) STACK_BESIDE=yes ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done
stack_need_base
stack_need node nodejs
stack_need npm npm
stack_need chromium chromium
stack_need wrk wrk
stack_need python3 python3
stack_check_needs
stack_ports_free "$KC_PORT" "$KC_MANAGEMENT_PORT" "$ISSUER_PORT" "$PORTAL_PORT"

trap stack_stop EXIT
trap 'exit 130' INT TERM
stack_build
stack_script_modules
stack_up
stack_log "Linking alice's ArcGIS account in Chromium (scripts/link-arcgis.mjs)"
node scripts/link-arcgis.mjs alice alice
stack_log "Benchmark (about 8 minutes)"
bench/keycloak-grants.sh
stack_log "The user's ArcGIS token, refreshed versus cached (bench/arcgis-exchange.mjs)"
EXCHANGES=${EXCHANGES:-300} ROUNDS=${ROUNDS:-3} node bench/arcgis-exchange.mjs
