#!/usr/bin/env bash
# Cluster check: two Keycloak 26.7 nodes with the ArcGIS bridge on one PostgreSQL, clustered with Keycloak's own
# embedded Infinispan (JGroups, jdbc-ping discovery), everything bound to loopback, and the checks in
# cluster/checks.mjs:
#   1. users and links: first exchanges create users on one node that the other node resolves to the same user,
#      in both directions; concurrent first exchanges for one new subject on both nodes make exactly one user
#   2. kill mid-load: exchanges against both nodes, node2 killed (SIGKILL) after 10 s: every request to node1
#      succeeds; node2's only failures are connection errors at or after the kill; node2 restarts and rejoins
#      (node1 keeps answering during the rejoin) and serves exchanges again
#   3. the ArcGIS token vault across nodes: a user linked to ArcGIS once (headless Chromium, scripts/link-arcgis.mjs),
#      then concurrent
#      exchanges for their ArcGIS token on both nodes whenever the cached token needs a refresh: exactly one
#      refresh_token call at ArcGIS per expiry, one shared token, and one exchange_refresh_token renewal when the
#      single-use ArcGIS refresh token is renewed
# Prints a summary and exits non-zero when any check fails.
#
#   ./cluster/run-cluster.sh           run the checks (about 5-7 minutes on 2 cores; the first run longer)
#   ./cluster/run-cluster.sh --reset   wipe the PostgreSQL data and the node directories first
#   PROVIDER_JAR=... ./cluster/run-cluster.sh   check that provider jar instead of this checkout's build
#
# State lives in .local/cluster/ (PostgreSQL data, the two node directories, logs, stack.env with the secrets Keycloak
# generated for its clients); the upstream secrets and Keycloak's file vault are the local stack's (.local/secrets/,
# scripts/stack.sh), the database password too. PostgreSQL comes from Debian's package postgresql (not installed
# here: the run stops and names what is missing) and runs as the 'postgres' OS user. MVN_OFFLINE=1 and SKIP_BUILD=1 as
# scripts/stack.sh. Ports (environment variables): PG_PORT 55432, NODE1_PORT 8180 / NODE1_MGMT 9180, NODE2_PORT 8280 / NODE2_MGMT 9280, JGroups
# JGROUPS1_PORT 7920 / JGROUPS2_PORT 7921 (JGroups failure detection also listens 100 above), testbed issuer
# ISSUER_PORT 5100, ArcGIS emulator PORTAL_PORT 8190. None collides with run-local.sh or the test suite.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PG_PORT=${PG_PORT:-55432}
NODE1_PORT=${NODE1_PORT:-8180}
NODE1_MGMT=${NODE1_MGMT:-9180}
NODE2_PORT=${NODE2_PORT:-8280}
NODE2_MGMT=${NODE2_MGMT:-9280}
JGROUPS1_PORT=${JGROUPS1_PORT:-7920}
JGROUPS2_PORT=${JGROUPS2_PORT:-7921}
ISSUER_PORT=${ISSUER_PORT:-5100}
PORTAL_PORT=${PORTAL_PORT:-8190}
# ArcGIS user tokens of 140 s with the vault's default refresh margin of 120 s: a token is served from the vault
# for 20 s, then needs a refresh, so the refresh check sees several expiries in about a minute.
ARCGIS_TOKEN_SECONDS=${ARCGIS_TOKEN_SECONDS:-140}
# Links (refresh tokens) of 3 minutes, so the vault renews one during the check: once more than half of it has passed.
ARCGIS_LINK_MINUTES=${ARCGIS_LINK_MINUTES:-3}
LOAD_USERS=220
# The shared stack helper (after the ports above, which it keeps): build, secrets and vault, the testbed upstreams.
# shellcheck source=scripts/stack.sh
. scripts/stack.sh
WORK="$STACK_WORK"
CL="$WORK/cluster"
KC_DIST="$KC_HOME"
STACK_KCADM_CONFIG="$CL/kcadm.config"
PGDATA="$CL/pgdata"
PGSOCK="$CL/pgsock"
LOGS="$CL/logs"
RESULTS="$CL/results"
KC_PUBLIC="http://localhost:$NODE1_PORT"

for arg in "$@"; do
  case "$arg" in
    --reset) RESET=yes ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

log() { printf '\n== %s\n' "$*"; }
started=$(date +%s)

# --- processes: started here, stopped here (by pid) ------------------------------------------------------------
declare -A PIDS=()
# kc.sh runs Keycloak's JVM as its child (and forwards TERM to it): the kill check needs the JVM's own pid.
declare -A JAVA_PIDS=()
PGBIN=""
# shellcheck disable=SC2317 # called from the EXIT trap
stop_postgres() {
  if [ -n "$PGBIN" ] && [ -f "$PGDATA/postmaster.pid" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
}
# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
  local pid
  for pid in "${PIDS[@]}" "${JAVA_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}" "${JAVA_PIDS[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  done
  stack_stop
  stop_postgres
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- what the machine must have ----------------------------------------------------------------------------------------
find_pgbin() { compgen -G "/usr/lib/postgresql/*/bin" | sort -V | tail -n 1; }
PGBIN_FOUND=$(find_pgbin || true)
stack_need_base
stack_need node nodejs
stack_need npm npm
stack_need chromium chromium
stack_need ss iproute2
stack_need runuser util-linux
if [ -z "$PGBIN_FOUND" ] || [ ! -x "$PGBIN_FOUND/initdb" ]; then STACK_MISSING+=("initdb:postgresql"); fi
stack_check_needs
if ! id postgres >/dev/null 2>&1; then
  echo "No OS user 'postgres' (Debian's package postgresql creates it): PostgreSQL runs as that user." >&2
  exit 1
fi
stack_ports_free "$PG_PORT" "$NODE1_PORT" "$NODE1_MGMT" "$NODE2_PORT" "$NODE2_MGMT" "$JGROUPS1_PORT" "$JGROUPS2_PORT" \
  $((JGROUPS1_PORT + 100)) $((JGROUPS2_PORT + 100)) "$ISSUER_PORT" "$PORTAL_PORT"

# --- build ------------------------------------------------------------------------------------------------------
stack_build
stack_script_modules
# PROVIDER_JAR=path checks another build of the provider (e.g. a candidate fix) instead of this checkout's.
JAR=${PROVIDER_JAR:-$(compgen -G "provider/target/keycloak-arcgis-bridge-*.jar" | head -n 1)}
scripts/fetch-keycloak.sh "$WORK" "$KC_VERSION"
stack_secrets
DB_PASSWORD=$(stack_secret postgres-keycloak-password)

# --- PostgreSQL ---------------------------------------------------------------------------------------------------
mkdir -p "$CL"
chmod 755 "$WORK" "$CL"
PGBIN=$PGBIN_FOUND

# A server left running by an interrupted earlier run holds the data directory: stop it first.
if [ -f "$PGDATA/postmaster.pid" ]; then
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || rm -f "$PGDATA/postmaster.pid"
fi
if [ "${RESET:-}" = yes ]; then
  log "--reset: wiping .local/cluster (PostgreSQL data, node directories, logs)"
  rm -rf "$PGDATA" "$PGSOCK" "$CL/node1" "$CL/node2" "$LOGS" "$RESULTS" "$CL/realm.json" "$CL/.realm.sha256"
fi
mkdir -p "$LOGS" "$RESULTS" "$PGSOCK"
rm -f "$RESULTS"/*.json "$LOGS"/node*.log "$LOGS"/issuer.log "$LOGS"/portal.log "$LOGS"/postgres.log
chown postgres:postgres "$PGSOCK"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  log "Creating the PostgreSQL cluster ($("$PGBIN/postgres" --version)) in .local/cluster/pgdata"
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256 >"$LOGS/initdb.log" 2>&1 || { cat "$LOGS/initdb.log"; exit 1; }
fi
log "Starting PostgreSQL on 127.0.0.1:$PG_PORT"
touch "$LOGS/postgres.log"
chown postgres:postgres "$LOGS/postgres.log"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$LOGS/postgres.log" -w -t 60 \
  -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PGSOCK -c max_connections=200" start >/dev/null
psql_admin() { runuser -u postgres -- "$PGBIN/psql" -h "$PGSOCK" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtAX "$@"; }
# The role's password is the generated one (.local/secrets/postgres-keycloak-password), set on every run.
if [ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'keycloak'")" ]; then
  psql_admin -c "CREATE ROLE keycloak LOGIN"
fi
psql_admin -c "ALTER ROLE keycloak PASSWORD '$DB_PASSWORD'"
if [ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'keycloak'")" ]; then
  psql_admin -c "CREATE DATABASE keycloak OWNER keycloak"
fi

# --- the realm, with this run's ports -------------------------------------------------------------------------------
sed -e "s#localhost:5000#localhost:$ISSUER_PORT#g" -e "s#localhost:8090#localhost:$PORTAL_PORT#g" \
    -e "s#localhost:8080#localhost:$NODE1_PORT#g" realm-export/arcgis-realm.json >"$CL/realm.json"

# --- two Keycloak node directories, built once per provider jar ----------------------------------------------------------
BUILD_KEY=$( { sha256sum "$JAR" | cut -d' ' -f1; echo "$KC_VERSION postgres ispn health vault"; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$CL/node1/.built" 2>/dev/null)" != "$BUILD_KEY" ]; then
  log "Preparing node directories and building Keycloak for PostgreSQL and ispn (about 30 s)"
  rm -rf "$CL/node1" "$CL/node2"
  mkdir -p "$CL/node1"
  (cd "$KC_DIST" && tar --exclude=./data --exclude=./.built --exclude=./.realm.sha256 --exclude=./.deployment -cf - .) \
    | tar -C "$CL/node1" -xf -
  rm -f "$CL/node1/providers/"*.jar
  cp "$JAR" "$CL/node1/providers/keycloak-arcgis-bridge.jar"
  "$CL/node1/bin/kc.sh" build --db=postgres --health-enabled=true --cache=ispn --vault=file >"$LOGS/kc-build.log" 2>&1 \
    || { cat "$LOGS/kc-build.log"; exit 1; }
  echo "$BUILD_KEY" >"$CL/node1/.built"
  cp -a "$CL/node1" "$CL/node2"
fi

# start_node NAME HTTP MGMT JGROUPS [extra kc.sh options]
start_node() {
  local name=$1 http=$2 mgmt=$3 jgroups=$4
  shift 4
  [ -f "$LOGS/$name.log" ] && cat "$LOGS/$name.log" >>"$LOGS/$name.previous.log" && rm -f "$LOGS/$name.log"
  KC_BOOTSTRAP_ADMIN_USERNAME="$STACK_ADMIN_USER" KC_BOOTSTRAP_ADMIN_PASSWORD="$STACK_ADMIN_PASSWORD" \
  KC_DB_PASSWORD="$DB_PASSWORD" JAVA_OPTS_APPEND="-Djava.net.preferIPv4Stack=true" \
    "$CL/$name/bin/kc.sh" start --optimized \
      --db-url="jdbc:postgresql://127.0.0.1:$PG_PORT/keycloak" --db-username=keycloak \
      --db-pool-max-size=40 \
      --http-enabled=true --http-host=127.0.0.1 --http-port="$http" --http-management-port="$mgmt" \
      --hostname="$KC_PUBLIC" --hostname-strict=false \
      --cache=ispn --cache-stack=jdbc-ping --spi-cache-embedded--default--node-name="$name" \
      --cache-embedded-network-bind-address=127.0.0.1 --cache-embedded-network-bind-port="$jgroups" \
      --vault-dir="$STACK_VAULT" \
      "$@" >"$LOGS/$name.log" 2>&1 &
  PIDS[$name]=$!
  for _ in $(seq 1 50); do
    JAVA_PIDS[$name]=$(pgrep -P "${PIDS[$name]}" java || true)
    [ -n "${JAVA_PIDS[$name]}" ] && break
    sleep 0.2
  done
  [ -n "${JAVA_PIDS[$name]}" ] || { echo "$name: no JVM under kc.sh (pid ${PIDS[$name]})" >&2; tail -n 30 "$LOGS/$name.log" >&2; exit 1; }
}
wait_ready() {
  local name=$1 mgmt=$2 limit=${3:-300}
  for _ in $(seq 1 "$limit"); do
    curl -fsS "http://127.0.0.1:$mgmt/health/ready" 2>/dev/null | grep -q '"UP"' && return 0
    if ! kill -0 "${PIDS[$name]}" 2>/dev/null; then echo "$name exited:" >&2; tail -n 60 "$LOGS/$name.log" >&2; exit 1; fi
    sleep 1
  done
  echo "$name not ready after $limit s:" >&2; tail -n 60 "$LOGS/$name.log" >&2; exit 1
}
# The last cluster view a node logged: "ISPN000094: Received new cluster view for channel ISPN: [node1-…|3] (2) [node1-…, node2-…]"
last_view() { { grep -E 'ISPN00009[34]' "$LOGS/$1.log" || true; } | tail -n 1 | sed -E 's/.*(ISPN00009[34])/\1/'; }
view_size() { last_view "$1" | sed -nE 's/.*\|[0-9]+\] \(([0-9]+)\).*/\1/p'; }
wait_view() {
  local name=$1 size=$2
  for _ in $(seq 1 60); do [ "$(view_size "$name")" = "$size" ] && return 0; sleep 1; done
  return 1
}

export LINK_MINUTES="$ARCGIS_LINK_MINUTES" NODE1="http://127.0.0.1:$NODE1_PORT" NODE2="http://127.0.0.1:$NODE2_PORT" ISSUER="http://127.0.0.1:$ISSUER_PORT" \
  PORTAL="http://127.0.0.1:$PORTAL_PORT" REALM_FILE="$CL/realm.json" RESULTS LOAD_USERS STACK_ADMIN_USER STACK_ADMIN_PASSWORD
checks() { node "$ROOT/cluster/checks.mjs" "$@"; }
status=0

log "Starting the testbed IdentityServer4 issuer on 127.0.0.1:$ISSUER_PORT ($LOAD_USERS generated users)"
TESTBED_LOAD_USERS=$LOAD_USERS JAVA_TESTBED_OPTS=-Xmx256m stack_start_issuer "$ISSUER_PORT" "$KC_PUBLIC" "$LOGS/issuer.log"

# --import-realm leaves an existing realm alone; the checks need a fresh realm, so a realm from an earlier run is
# replaced through the admin API once node1 is up.
log "Starting node1 (http 127.0.0.1:$NODE1_PORT, management $NODE1_MGMT, JGroups 127.0.0.1:$JGROUPS1_PORT)"
mkdir -p "$CL/node1/data/import"
cp "$CL/realm.json" "$CL/node1/data/import/arcgis-realm.json"
t0=$(date +%s)
start_node node1 "$NODE1_PORT" "$NODE1_MGMT" "$JGROUPS1_PORT" --import-realm
wait_ready node1 "$NODE1_MGMT"
NODE1_START=$(( $(date +%s) - t0 ))
echo "node1 ready after ${NODE1_START} s; $(last_view node1)"
checks realm
# The secrets Keycloak generated for the realm's clients on this import; the checks and the emulator use them.
stack_admin_login "$KC_PUBLIC"
MAP_APP_SECRET=$(stack_client_secret map-app)
ARCGIS_ONLINE_SECRET=$(stack_client_secret arcgis-online)
stack_write_env "$CL/stack.env" KEYCLOAK="$KC_PUBLIC" KEYCLOAK_REALM_URL="$KC_PUBLIC/realms/arcgis" IS4_ISSUER="$ISSUER" \
  ARCGIS_PORTAL="$PORTAL" ARCGIS_EMULATOR="$PORTAL" STACK_ADMIN_USER="$STACK_ADMIN_USER" STACK_ADMIN_PASSWORD="$STACK_ADMIN_PASSWORD" \
  MAP_APP_SECRET="$MAP_APP_SECRET" ARCGIS_ONLINE_SECRET="$ARCGIS_ONLINE_SECRET"
export MAP_APP_SECRET

log "Starting node2 (http 127.0.0.1:$NODE2_PORT, management $NODE2_MGMT, JGroups 127.0.0.1:$JGROUPS2_PORT)"
t0=$(date +%s)
start_node node2 "$NODE2_PORT" "$NODE2_MGMT" "$JGROUPS2_PORT"
wait_ready node2 "$NODE2_MGMT"
NODE2_START=$(( $(date +%s) - t0 ))
echo "node2 ready after ${NODE2_START} s"
if ! wait_view node1 2 || ! wait_view node2 2; then
  echo "The nodes did not form a cluster of 2:" >&2; last_view node1 >&2; last_view node2 >&2; exit 1
fi
VIEW_START="$(last_view node2)"
echo "cluster view: $VIEW_START"
echo "JGroups sockets: $(ss -Hltn | awk '{print $4}' | grep -E ":($JGROUPS1_PORT|$JGROUPS2_PORT|$((JGROUPS1_PORT + 100))|$((JGROUPS2_PORT + 100)))\$" | sort | tr '\n' ' ')"
echo "JGroups members in PostgreSQL (jdbc-ping): $(psql_admin -d keycloak -c 'SELECT count(*) FROM jgroups_ping' 2>/dev/null || echo '?')"

log "Starting the ArcGIS portal emulator on 127.0.0.1:$PORTAL_PORT (user tokens of $ARCGIS_TOKEN_SECONDS s)"
ARCGIS_USER_TOKEN_SECONDS=$ARCGIS_TOKEN_SECONDS ARCGIS_MAX_TOKEN_EXPIRATION_MINUTES=$ARCGIS_LINK_MINUTES JAVA_TESTBED_OPTS=-Xmx256m \
  stack_start_portal "$PORTAL_PORT" "$KC_PUBLIC/realms/arcgis" "$ISSUER" "$LOGS/portal.log"
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$PORTAL_PORT/emulator/stats" >/dev/null 2>&1 && curl -fsS "http://127.0.0.1:$ISSUER_PORT/testbed/stats" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "http://127.0.0.1:$PORTAL_PORT/emulator/stats" >/dev/null || { cat "$LOGS/portal.log"; exit 1; }
curl -fsS "http://127.0.0.1:$ISSUER_PORT/testbed/stats" >/dev/null || { cat "$LOGS/issuer.log"; exit 1; }


log "Check 1: users and links across nodes"
checks users || status=1

log "Check 2: load on both nodes, node2 killed (SIGKILL) after 10 s"
checks load --duration=30 --kill-after=10 --kill-pid="${JAVA_PIDS[node2]}" --workers=4 || status=1
# kc.sh exits with the JVM's status (137).
wait "${PIDS[node2]}" 2>/dev/null || true
unset 'PIDS[node2]' 'JAVA_PIDS[node2]'
if wait_view node1 1; then echo "node1 after the kill: $(last_view node1)"; else echo "node1 still sees $(view_size node1) members after the kill" >&2; status=1; fi

log "Check 2b: node2 restarts and rejoins while node1 keeps serving"
touch "$RESULTS/steady.run"
checks steady &
STEADY=$!
t0=$(date +%s)
start_node node2 "$NODE2_PORT" "$NODE2_MGMT" "$JGROUPS2_PORT"
wait_ready node2 "$NODE2_MGMT"
NODE2_RESTART=$(( $(date +%s) - t0 ))
if wait_view node1 2 && wait_view node2 2; then
  VIEW_REJOIN="$(last_view node1)"
  echo "node2 ready again after ${NODE2_RESTART} s; cluster view: $VIEW_REJOIN"
else
  echo "node2 did not rejoin: node1 $(last_view node1); node2 $(last_view node2)" >&2
  VIEW_REJOIN="not 2 members"
  status=1
fi
sleep 3
rm -f "$RESULTS/steady.run"
wait "$STEADY" || status=1
checks rejoined || status=1

log "Check 3: the ArcGIS token vault's refresh across nodes"
checks arcgis || status=1

# Tokens must never be logged.
if grep -Eq 'eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.' "$LOGS"/*.log; then
  echo "A JWT appears in a log under .local/cluster/logs" >&2
  echo '{"check":"logs","ok":false,"lines":["FAIL a JWT appears in a log under .local/cluster/logs"]}' >"$RESULTS/logs.json"
  status=1
else
  echo '{"check":"logs","ok":true,"lines":["ok   no JWT in any log (Keycloak nodes, PostgreSQL, issuer, emulator)"]}' >"$RESULTS/logs.json"
fi

log "Summary"
echo "Keycloak $KC_VERSION, 2 nodes (embedded Infinispan, JGroups jdbc-ping on 127.0.0.1:$JGROUPS1_PORT/$JGROUPS2_PORT), $("$PGBIN/postgres" --version | sed 's/postgres (PostgreSQL) /PostgreSQL /') on 127.0.0.1:$PG_PORT; $(nproc) cores"
echo "node1 ready in ${NODE1_START} s, node2 in ${NODE2_START} s, node2 restarted in ${NODE2_RESTART} s"
echo "cluster view at start: $VIEW_START"
echo "cluster view after node2 rejoined: $VIEW_REJOIN"
checks summary || status=1
echo "Total time: $(( $(date +%s) - started )) s"
if [ "$status" -ne 0 ]; then echo "CLUSTER CHECK FAILED (logs: .local/cluster/logs)" >&2; fi
exit "$status"
