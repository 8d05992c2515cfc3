#!/usr/bin/env bash
# The dashboard screenshot docs/grafana-dashboard.png, with real data: starts the local stack (scripts/stack.sh) with
# Keycloak's metrics on, Prometheus (Debian's package, its own config and data under .local/dashboard/, scraping
# Keycloak's :9000/metrics every 5 s), links alice's ArcGIS account (scripts/link-arcgis.mjs), sends generated traffic
# (scripts/dashboard/traffic.mjs: a warm-up, 90 s of quiet, then DURATION seconds of exchanges, new users, reference
# tokens, the user's ArcGIS token, refusals, unlinks and new links), then evaluates the panels' own PromQL (docs/grafana-dashboard.json) with
# Prometheus over the traffic's time range and draws them (scripts/dashboard/render.mjs and render.html: our drawing,
# not Grafana, which no package registry offers), and stops everything it started.
#
#   scripts/render-dashboard.sh            on this machine's loopback (ports 5000, 8080, 9000, 8090 and PROM_PORT free)
#   scripts/render-dashboard.sh --netns    in a private network namespace of its own (root; unshare), so the ports may
#                                          be busy outside; Maven runs offline there (MVN_OFFLINE=1)
#
# Environment: DURATION (600 s of traffic), PROM_PORT (9091), RATE_INTERVAL ($__rate_interval, 1m), STEP (10 s), OUT
# (docs/grafana-dashboard.png), TESTBED_LOAD_USERS (400 users the issuer knows, created by their first exchange),
# ARCGIS_USER_TOKEN_SECONDS (240: the emulator's ArcGIS tokens live 4 minutes, so the vault refreshes them during the
# run), and the stack's (scripts/stack.sh: SKIP_BUILD, MVN_OFFLINE, ...). Needs Debian's prometheus and chromium, Node.
#
# The stack runs from .local/dashboard/ (its own Keycloak build, database, secrets and stack.env), not .local/: it starts
# from a fresh database, and ./run-local.sh's database is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = --netns ]; then
  shift
  # The scripts' Node modules need the registry: before leaving the network.
  [ -d scripts/node_modules/playwright-core ] || (cd scripts && npm ci --no-audit --no-fund)
  export MVN_OFFLINE=1
  # shellcheck disable=SC2016 # expanded by the inner bash
  exec unshare --net -- bash -c 'ip link set lo up && exec "$0" "$@"' "$(pwd)/scripts/render-dashboard.sh" "$@"
fi
[ $# -eq 0 ] || { echo "unknown option: $1 (see the header of $0)" >&2; exit 2; }

# shellcheck source=scripts/stack.sh
. scripts/stack.sh
STACK_WORK="$STACK_ROOT/.local/dashboard"
KC_HOME="$STACK_WORK/keycloak-$KC_VERSION"
STACK_SECRETS="$STACK_WORK/secrets"
STACK_VAULT="$STACK_SECRETS/vault"
STACK_ENV="$STACK_WORK/stack.env"
STACK_KCADM_CONFIG="$STACK_WORK/kcadm.config"
export STACK_ENV
# A fresh database: the emulator keeps ArcGIS's tokens in memory only, and the first exchanges create the users.
STACK_RESET=yes
export TESTBED_LOAD_USERS=${TESTBED_LOAD_USERS:-400}
export ARCGIS_USER_TOKEN_SECONDS=${ARCGIS_USER_TOKEN_SECONDS:-240}
export DURATION=${DURATION:-600}
PROM_PORT=${PROM_PORT:-9091}
RATE_INTERVAL=${RATE_INTERVAL:-1m}
STEP=${STEP:-10}
OUT=${OUT:-docs/grafana-dashboard.png}

stack_need_base
stack_need node nodejs
stack_need npm npm
stack_need chromium chromium
stack_need prometheus prometheus
stack_check_needs
stack_ports_free "$KC_PORT" "$KC_MANAGEMENT_PORT" "$ISSUER_PORT" "$PORTAL_PORT" "$PROM_PORT"
mkdir -p "$STACK_WORK"

trap stack_stop EXIT
trap 'exit 130' INT TERM
stack_build
stack_script_modules
stack_up
curl -fsS "http://localhost:$KC_MANAGEMENT_PORT/metrics" >/dev/null \
  || { echo "Keycloak serves no metrics on :$KC_MANAGEMENT_PORT/metrics" >&2; exit 1; }

stack_log "Starting Prometheus on 127.0.0.1:$PROM_PORT, scraping :$KC_MANAGEMENT_PORT/metrics every 5 s (log: .local/dashboard/prometheus.log)"
rm -rf "$STACK_WORK/prometheus-data"
cat >"$STACK_WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 5s
  evaluation_interval: 5s
scrape_configs:
  - job_name: keycloak
    metrics_path: /metrics
    static_configs:
      - targets: ["localhost:$KC_MANAGEMENT_PORT"]
EOF
prometheus --config.file="$STACK_WORK/prometheus.yml" --storage.tsdb.path="$STACK_WORK/prometheus-data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" >"$STACK_WORK/prometheus.log" 2>&1 &
STACK_PIDS[prometheus]=$!
stack_wait prometheus "http://127.0.0.1:$PROM_PORT/-/ready" 60 "$STACK_WORK/prometheus.log"

stack_log "Linking alice's ArcGIS account in Chromium (scripts/link-arcgis.mjs)"
node scripts/link-arcgis.mjs alice alice

stack_log "Traffic: a warm-up, then $DURATION s (scripts/dashboard/traffic.mjs)"
# A warm-up first, then 90 s of quiet (see traffic.mjs): the range drawn starts 20 s before the traffic proper.
rm -f "$STACK_WORK/traffic-start"
WINDOW_FILE="$STACK_WORK/traffic-start" node scripts/dashboard/traffic.mjs
start=$(( $(cat "$STACK_WORK/traffic-start") - 20 ))
end=$(date +%s)
sleep 6    # one more scrape
up=$(curl -fsS "http://127.0.0.1:$PROM_PORT/api/v1/query?query=up" | sed -n 's/.*"value":\[[^,]*,"\([01]\)".*/\1/p')
[ "$up" = 1 ] || { echo "Prometheus does not see Keycloak's metrics endpoint up (up=$up)" >&2; exit 1; }

stack_log "Rendering $OUT (scripts/dashboard/render.mjs)"
prom_version=$(prometheus --version 2>&1 | sed -n '1s/^prometheus, version \([^ ]*\).*/\1/p')
node scripts/dashboard/render.mjs --prometheus "http://127.0.0.1:$PROM_PORT" --start "$start" --end "$end" --step "$STEP" \
  --rate-interval "$RATE_INTERVAL" --realm arcgis --out "$OUT" \
  --note "Drawn by scripts/render-dashboard.sh (scripts/dashboard/render.html, not Grafana): the queries of docs/grafana-dashboard.json evaluated by Prometheus $prom_version, which scraped a local Keycloak $KC_VERSION with this extension every 5 s under $(( DURATION / 60 )) min of generated traffic (scripts/dashboard/traffic.mjs); \$realm = arcgis, \$__rate_interval = $RATE_INTERVAL, step ${STEP} s."
