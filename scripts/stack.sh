# shellcheck shell=bash
# The local stack, sourced (never run) by run-local.sh, bench/run.sh, bench/soak.sh and cluster/run-cluster.sh: the
# testbed IdentityServer4 issuer, Keycloak with the provider and realm-export/arcgis-realm.json (dev-file database)
# and the ArcGIS portal emulator, started and stopped by process id. No secret lives in the repository:
#
#   .local/secrets/        random secrets, generated on first use and kept (also by --reset), files 0600: the
#                          upstream secrets the realm export names as ${vault.<key>} (IdentityServer4's client
#                          keycloak-broker and introspection API, the portal app keycloak-bridge) and, for the
#                          "beside" deployment, ArcGIS's client at IdentityServer4. vault/ is Keycloak's file vault
#                          (one file arcgis_<key> per secret, realm "arcgis", no trailing newline), rewritten each start.
#   .local/stack.env       written once Keycloak is up (0600): the running stack's URLs and the secrets Keycloak
#                          generated on import for its confidential clients, MAP_APP_SECRET and ARCGIS_ONLINE_SECRET.
#                          Every script and the example app read it; by hand:  set -a; . .local/stack.env; set +a
#
# Environment: KC_PORT 8080, KC_MANAGEMENT_PORT 9000, ISSUER_PORT 5000, PORTAL_PORT 8090, MAP_APP_PORT 8081 (the realm
# export expects these); MVN_OFFLINE=1 builds with Maven offline; SKIP_BUILD=1 uses what is built already (jars,
# testbed classes, the map app's dist/); STACK_ADMIN_USER / STACK_ADMIN_PASSWORD, Keycloak's bootstrap admin (admin).
# Set before stack_up: STACK_RESET=yes (fresh Keycloak database), STACK_ENTERPRISE=yes (ArcGIS Enterprise portal at
# /portal with a federated server at /server), STACK_BESIDE=yes (ArcGIS's OpenID Connect login on IdentityServer4).

STACK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KC_VERSION=$(sed -n 's:.*<keycloak.version>\(.*\)</keycloak.version>.*:\1:p' "$STACK_ROOT/pom.xml" | head -n 1)
KC_PORT=${KC_PORT:-8080}
KC_MANAGEMENT_PORT=${KC_MANAGEMENT_PORT:-9000}
ISSUER_PORT=${ISSUER_PORT:-5000}
PORTAL_PORT=${PORTAL_PORT:-8090}
MAP_APP_PORT=${MAP_APP_PORT:-8081}
STACK_WORK="$STACK_ROOT/.local"
KC_HOME="$STACK_WORK/keycloak-$KC_VERSION"
STACK_SECRETS="$STACK_WORK/secrets"
STACK_VAULT="$STACK_SECRETS/vault"
STACK_ENV="$STACK_WORK/stack.env"
STACK_KCADM_CONFIG="$STACK_WORK/kcadm.config"
STACK_ADMIN_USER=${STACK_ADMIN_USER:-admin}
STACK_ADMIN_PASSWORD=${STACK_ADMIN_PASSWORD:-admin}
STACK_RESET=${STACK_RESET:-no}
STACK_ENTERPRISE=${STACK_ENTERPRISE:-no}
STACK_BESIDE=${STACK_BESIDE:-no}
STACK_TESTBED_CP="$STACK_ROOT/testbed/target/classes:$STACK_ROOT/testbed/target/lib/*"
# The client id of ArcGIS's OpenID Connect login at IdentityServer4 ("beside"; testbed identityserver.Main).
STACK_BESIDE_CLIENT=arcgis-portal
# Options of 'kc.sh build' (vault is a build-time option in Keycloak 26; its directory is given at start). Metrics on,
# as operators run it: the extension's meters on the management port's /metrics (docs/metrics.md).
STACK_KC_BUILD_OPTIONS=(--db=dev-file --health-enabled=true --metrics-enabled=true --vault=file)

stack_log() { printf '\n== %s\n' "$*"; }

# --- what the machine must have ---------------------------------------------------------------------------------
STACK_MISSING=()
# stack_need COMMAND PACKAGE: notes Debian's PACKAGE when COMMAND is not installed; stack_check_needs reports.
stack_need() { command -v "$1" >/dev/null 2>&1 || STACK_MISSING+=("$1:$2"); }
stack_need_base() {
  stack_need java openjdk-17-jdk-headless
  stack_need mvn maven
  stack_need curl curl
  stack_need unzip unzip
}
stack_check_needs() {
  [ ${#STACK_MISSING[@]} -eq 0 ] && return 0
  local item commands=() packages=()
  for item in "${STACK_MISSING[@]}"; do commands+=("${item%%:*}"); packages+=("${item#*:}"); done
  echo "Missing: ${commands[*]}. Install Debian's packages: apt-get install $(printf '%s\n' "${packages[@]}" | sort -u | paste -sd ' ')" >&2
  exit 1
}

stack_ports_free() {
  local port
  for port in "$@"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "Port $port is in use (a running test suite or an earlier run?). Stop it or choose another port." >&2
      exit 1
    fi
  done
}

# --- build ----------------------------------------------------------------------------------------------------------
stack_mvn() {
  local offline=()
  [ "${MVN_OFFLINE:-0}" = 1 ] && offline=(-o)
  mvn -B -q -Dstyle.color=never "${offline[@]}" "$@"
}

stack_build() {
  if [ "${SKIP_BUILD:-0}" = 1 ]; then
    if ! compgen -G "$STACK_ROOT/provider/target/keycloak-arcgis-bridge-*.jar" >/dev/null || [ ! -d "$STACK_ROOT/testbed/target/lib" ]; then
      echo "SKIP_BUILD=1, but provider/target or testbed/target is not built: run mvn -DskipTests package" >&2; exit 1
    fi
    return 0
  fi
  stack_log "Building the provider jar and the testbed"
  (cd "$STACK_ROOT" && stack_mvn -DskipTests package)
}

# The example app's page (npm; @arcgis/core from the npm registry; first build about 3 minutes).
stack_build_map_app() {
  local app="$STACK_ROOT/examples/map-app"
  if [ "${SKIP_BUILD:-0}" = 1 ]; then
    if [ ! -f "$app/dist/index.html" ] || [ ! -d "$app/node_modules" ]; then
      echo "SKIP_BUILD=1, but examples/map-app is not built: run npm ci && npx vite build there" >&2; exit 1
    fi
    return 0
  fi
  stack_log "Building the example map app (npm)"
  # npm ci again when package-lock.json changed since the last install (npm records it in node_modules/.package-lock.json).
  (cd "$app" && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; } \
    && npx vite build --logLevel warn)
}

# The scripts' own Node modules (playwright-core for scripts/link-arcgis.mjs).
stack_script_modules() {
  [ -d "$STACK_ROOT/scripts/node_modules/playwright-core" ] && return 0
  stack_log "Installing the scripts' Node modules (playwright-core)"
  (cd "$STACK_ROOT/scripts" && npm ci --no-audit --no-fund)
}

# --- secrets --------------------------------------------------------------------------------------------------------
stack_random() { head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '='; }

# stack_secret NAME: the secret in .local/secrets/NAME, generated on first use.
stack_secret() {
  local file="$STACK_SECRETS/$1"
  if [ ! -s "$file" ]; then
    (umask 077 && stack_random >"$file.tmp" && mv "$file.tmp" "$file")
  fi
  cat "$file"
}

# Reads (or makes) the upstream secrets and writes Keycloak's file vault from them.
stack_secrets() {
  (umask 077 && mkdir -p "$STACK_SECRETS" "$STACK_VAULT")
  chmod 700 "$STACK_SECRETS" "$STACK_VAULT"
  IS4_BROKER_CLIENT_SECRET=$(stack_secret identityserver4-client-secret)
  IS4_API_SECRET=$(stack_secret identityserver4-api-secret)
  ARCGIS_APP_CLIENT_SECRET=$(stack_secret arcgis-client-secret)
  IS4_ARCGIS_CLIENT_SECRET=$(stack_secret identityserver4-arcgis-client-secret)
  local key
  for key in identityserver4-client-secret identityserver4-api-secret arcgis-client-secret; do
    (umask 077 && cp "$STACK_SECRETS/$key" "$STACK_VAULT/arcgis_$key.tmp" && mv "$STACK_VAULT/arcgis_$key.tmp" "$STACK_VAULT/arcgis_$key")
  done
}

# stack_write_env FILE KEY=VALUE...: a file both 'set -a; . FILE' and scripts/stack-env.mjs read (values unquoted,
# so they must be plain: URLs and generated secrets are).
stack_write_env() {
  local file=$1 pair
  shift
  for pair in "$@"; do
    [[ $pair =~ ^[A-Z][A-Z0-9_]*=[A-Za-z0-9._~:/?#@%+=,-]*$ ]] || { echo "stack_write_env: not a plain value: ${pair%%=*}" >&2; exit 1; }
  done
  (umask 077 && {
    echo "# The running local stack, written by scripts/stack.sh at $(date -u +%FT%TZ). Load: set -a; . $file; set +a"
    printf '%s\n' "$@"
  } >"$file.tmp" && mv "$file.tmp" "$file")
}

# --- processes: started here, stopped here, by pid --------------------------------------------------------------------
declare -A STACK_PIDS=()
stack_stop() {
  local pid
  for pid in "${STACK_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${STACK_PIDS[@]}"; do
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  done
  STACK_PIDS=()
}

# stack_wait NAME URL SECONDS LOG: until URL answers 2xx; gives up early when NAME's process has exited.
stack_wait() {
  local name=$1 url=$2 seconds=$3 log=$4
  for _ in $(seq 1 "$seconds"); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    if ! kill -0 "${STACK_PIDS[$name]}" 2>/dev/null; then
      echo "$name exited; the end of $log:" >&2; tail -n 40 "$log" >&2; exit 1
    fi
    sleep 1
  done
  echo "$name not ready after $seconds s ($url); the end of $log:" >&2; tail -n 40 "$log" >&2; exit 1
}

# --- the testbed upstreams --------------------------------------------------------------------------------------------
# The OpenID Connect login's id in the emulator's redirect URI; fixed per run so that IdentityServer4, started first,
# can have that redirect URI registered ("beside").
STACK_IDP_ID=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
stack_portal_url() { # PORT: the "Portal URL" (the portal's root, its web adaptor context included)
  if [ "$STACK_ENTERPRISE" = yes ]; then echo "http://localhost:$1/portal"; else echo "http://localhost:$1"; fi
}

# stack_start_issuer PORT KEYCLOAK_BASE_URL LOG (TESTBED_LOAD_USERS and JAVA_TESTBED_OPTS from the environment)
stack_start_issuer() {
  local vars=(IS4_BROKER_CLIENT_SECRET="$IS4_BROKER_CLIENT_SECRET" IS4_API_SECRET="$IS4_API_SECRET")
  if [ "$STACK_BESIDE" = yes ]; then
    vars+=(IS4_ARCGIS_CLIENT_SECRET="$IS4_ARCGIS_CLIENT_SECRET"
      IS4_ARCGIS_REDIRECT_URI="$(stack_portal_url "$PORTAL_PORT")/sharing/rest/oauth2/oidc/$STACK_IDP_ID/signin")
  fi
  # shellcheck disable=SC2086 # JAVA_TESTBED_OPTS holds several options
  env "${vars[@]}" java ${JAVA_TESTBED_OPTS:-} -cp "$STACK_TESTBED_CP" io.github.arcgisbridge.testbed.identityserver.Main \
    "$1" "$2" >"$3" 2>&1 &
  STACK_PIDS[issuer]=$!
}

# stack_start_portal PORT KEYCLOAK_REALM_URL ISSUER_URL LOG (ARCGIS_USER_TOKEN_SECONDS from the environment); needs
# ARCGIS_ONLINE_SECRET, the secret of Keycloak's client arcgis-online, unless "beside".
stack_start_portal() {
  local vars=(ARCGIS_APP_CLIENT_SECRET="$ARCGIS_APP_CLIENT_SECRET" ARCGIS_OIDC_IDP_ID="$STACK_IDP_ID")
  [ "$STACK_ENTERPRISE" = yes ] && vars+=(ARCGIS_MODE=enterprise)
  if [ "$STACK_BESIDE" = yes ]; then
    vars+=(ARCGIS_OIDC_ISSUER="$3" ARCGIS_OIDC_CLIENT_ID="$STACK_BESIDE_CLIENT" ARCGIS_OIDC_CLIENT_SECRET="$IS4_ARCGIS_CLIENT_SECRET")
  else
    vars+=(ARCGIS_OIDC_CLIENT_SECRET="$ARCGIS_ONLINE_SECRET")
  fi
  # shellcheck disable=SC2086
  env "${vars[@]}" java ${JAVA_TESTBED_OPTS:-} -cp "$STACK_TESTBED_CP" io.github.arcgisbridge.testbed.arcgis.Main \
    "$1" "$2" >"$4" 2>&1 &
  STACK_PIDS[portal]=$!
}

# --- Keycloak ---------------------------------------------------------------------------------------------------------
# Fetches the distribution, installs the provider, and builds Keycloak when the provider or the build options changed.
# A fresh database (--import-realm leaves an existing realm alone) on STACK_RESET=yes, or when the realm export or
# the ArcGIS deployment (Online or Enterprise, configured after import) changed since the last run.
stack_install_keycloak() {
  "$STACK_ROOT/scripts/fetch-keycloak.sh" "$STACK_WORK" "$KC_VERSION"
  local realm_sum deployment jar build_key
  realm_sum=$(sha256sum "$STACK_ROOT/realm-export/arcgis-realm.json" | cut -d' ' -f1)
  deployment=online
  [ "$STACK_ENTERPRISE" = yes ] && deployment=enterprise
  if [ "$STACK_RESET" = yes ]; then
    rm -rf "$KC_HOME/data"
  elif [ -d "$KC_HOME/data" ] && [ "$(cat "$KC_HOME/.realm.sha256" 2>/dev/null)" != "$realm_sum" ]; then
    stack_log "The realm export changed since the last run: starting from a fresh local database"
    rm -rf "$KC_HOME/data"
  elif [ -d "$KC_HOME/data" ] && [ "$(cat "$KC_HOME/.deployment" 2>/dev/null || echo online)" != "$deployment" ]; then
    stack_log "ArcGIS $deployment this time: starting from a fresh local database"
    rm -rf "$KC_HOME/data"
  fi
  mkdir -p "$KC_HOME/providers" "$KC_HOME/data/import"
  echo "$realm_sum" >"$KC_HOME/.realm.sha256"
  echo "$deployment" >"$KC_HOME/.deployment"
  cp "$STACK_ROOT/realm-export/arcgis-realm.json" "$KC_HOME/data/import/"
  jar=$(compgen -G "$STACK_ROOT/provider/target/keycloak-arcgis-bridge-*.jar" | head -n 1)
  build_key=$( { sha256sum "$jar" | cut -d' ' -f1; echo "${STACK_KC_BUILD_OPTIONS[*]}"; } | sha256sum | cut -d' ' -f1)
  # 'start --optimized' refuses a provider that changed since the last build: build only then.
  if [ "$(cat "$KC_HOME/.built" 2>/dev/null)" != "$build_key" ]; then
    stack_log "Installing the provider and building Keycloak (about 20 s)"
    cp "$jar" "$KC_HOME/providers/keycloak-arcgis-bridge.jar"
    "$KC_HOME/bin/kc.sh" build "${STACK_KC_BUILD_OPTIONS[@]}" >"$STACK_WORK/kc-build.log" 2>&1 \
      || { cat "$STACK_WORK/kc-build.log"; exit 1; }
    echo "$build_key" >"$KC_HOME/.built"
  fi
}

# JAVA_OPTS_KC_HEAP from the environment (the soak fixes the heap).
stack_start_keycloak() {
  KC_BOOTSTRAP_ADMIN_USERNAME="$STACK_ADMIN_USER" KC_BOOTSTRAP_ADMIN_PASSWORD="$STACK_ADMIN_PASSWORD" \
    "$KC_HOME/bin/kc.sh" start --optimized --import-realm --http-enabled=true --http-port="$KC_PORT" \
    --http-management-port="$KC_MANAGEMENT_PORT" --hostname-strict=false --cache=local --vault-dir="$STACK_VAULT" \
    >"$STACK_WORK/keycloak.log" 2>&1 &
  STACK_PIDS[keycloak]=$!
}

# Keycloak's admin CLI (kcadm.sh of the distribution), signed in by stack_admin_login; its token in STACK_KCADM_CONFIG.
stack_kcadm() {
  KC_CLI_PASSWORD="$STACK_ADMIN_PASSWORD" "$KC_HOME/bin/kcadm.sh" "$@" --config "$STACK_KCADM_CONFIG"
}
stack_admin_login() { # KEYCLOAK_BASE_URL
  stack_kcadm config credentials --server "$1" --realm master --user "$STACK_ADMIN_USER" >"$STACK_WORK/kcadm.log" 2>&1 \
    || { cat "$STACK_WORK/kcadm.log" >&2; exit 1; }
}
stack_client_id() { # CLIENT_ID: the realm arcgis client's internal id
  stack_kcadm get clients -r arcgis -q clientId="$1" --fields id --format csv --noquotes
}
stack_client_secret() { # CLIENT_ID: the secret Keycloak generated on import for a confidential client
  stack_kcadm get "clients/$(stack_client_id "$1")/client-secret" -r arcgis --fields value --format csv --noquotes
}

# ArcGIS Enterprise: the realm export names an ArcGIS Online organisation at http://localhost:PORT; the Enterprise
# portal lives at http://localhost:PORT/portal. Points the identity provider arcgis at it, maps its sharing/rest URL
# to arcgis in identityserver4's resource indicators, and lets arcgis-online redirect to the portal's login.
stack_configure_enterprise() { # KEYCLOAK PORTAL_PORT
  local online="http://localhost:$2" portal="http://localhost:$2/portal" indicators id uris
  stack_kcadm update identity-provider/instances/arcgis -r arcgis -s "config.portalUrl=$portal"
  indicators=$(stack_kcadm get identity-provider/instances/identityserver4 -r arcgis --fields 'config(resourceIndicators)' \
    --format csv --noquotes)
  indicators=${indicators//"$online/sharing/rest="/"$portal/sharing/rest="}
  stack_kcadm update identity-provider/instances/identityserver4 -r arcgis -s "config.resourceIndicators=$indicators"
  id=$(stack_client_id arcgis-online)
  uris=$(stack_kcadm get "clients/$id" -r arcgis --fields redirectUris --format csv)
  if [[ $uris != *"\"$portal/sharing/rest/oauth2/oidc/*\""* ]]; then
    stack_kcadm update "clients/$id" -r arcgis -s "redirectUris=[${uris},\"$portal/sharing/rest/oauth2/oidc/*\"]"
  fi
}

# --- the whole stack --------------------------------------------------------------------------------------------------
# Starts issuer, Keycloak and emulator on this machine's loopback and writes .local/stack.env; the caller traps
# stack_stop. Exports what stack.env holds (MAP_APP_SECRET, ARCGIS_ONLINE_SECRET, KEYCLOAK, ...) for the processes
# started afterwards.
stack_up() {
  stack_secrets
  stack_install_keycloak
  local issuer="http://localhost:$ISSUER_PORT" keycloak="http://localhost:$KC_PORT" portal
  portal=$(stack_portal_url "$PORTAL_PORT")
  rm -f "$STACK_ENV"

  stack_log "Starting the testbed IdentityServer4 issuer on port $ISSUER_PORT (log: .local/issuer.log)"
  stack_start_issuer "$ISSUER_PORT" "$keycloak" "$STACK_WORK/issuer.log"
  stack_log "Starting Keycloak $KC_VERSION on port $KC_PORT, file vault .local/secrets/vault (log: .local/keycloak.log)"
  stack_start_keycloak
  stack_wait issuer "$issuer/.well-known/openid-configuration" 60 "$STACK_WORK/issuer.log"
  stack_wait keycloak "http://localhost:$KC_MANAGEMENT_PORT/health/ready" 300 "$STACK_WORK/keycloak.log"

  stack_log "Reading the client secrets Keycloak generated on import (admin REST API)"
  stack_admin_login "$keycloak"
  MAP_APP_SECRET=$(stack_client_secret map-app)
  ARCGIS_ONLINE_SECRET=$(stack_client_secret arcgis-online)
  if [ -z "$MAP_APP_SECRET" ] || [ -z "$ARCGIS_ONLINE_SECRET" ]; then echo "No client secrets from Keycloak's admin API" >&2; exit 1; fi
  if [ "$STACK_ENTERPRISE" = yes ]; then
    stack_log "ArcGIS Enterprise: pointing the identity provider arcgis at $portal (admin REST API)"
    stack_configure_enterprise "$keycloak" "$PORTAL_PORT"
  fi

  local shape=Online login=Keycloak
  [ "$STACK_ENTERPRISE" = yes ] && shape=Enterprise
  [ "$STACK_BESIDE" = yes ] && login="IdentityServer4 (beside)"
  stack_log "Starting the ArcGIS portal emulator ($shape) on port $PORTAL_PORT, its OpenID Connect login on $login (log: .local/portal.log)"
  stack_start_portal "$PORTAL_PORT" "$keycloak/realms/arcgis" "$issuer" "$STACK_WORK/portal.log"
  stack_wait portal "http://localhost:$PORTAL_PORT/emulator/stats" 60 "$STACK_WORK/portal.log"

  local layer="http://localhost:$PORTAL_PORT/rest/services/Parcels/FeatureServer/0"
  [ "$STACK_ENTERPRISE" = yes ] && layer="http://localhost:$PORTAL_PORT/server/rest/services/Parcels/FeatureServer/0"
  stack_write_env "$STACK_ENV" \
    STACK_DEPLOYMENT="$([ "$STACK_ENTERPRISE" = yes ] && echo enterprise || echo online)" \
    STACK_ARCGIS_LOGIN="$([ "$STACK_BESIDE" = yes ] && echo identityserver4 || echo keycloak)" \
    KEYCLOAK="$keycloak" KEYCLOAK_REALM_URL="$keycloak/realms/arcgis" IS4_ISSUER="$issuer" \
    ARCGIS_PORTAL="$portal" ARCGIS_LAYER_URL="$layer" ARCGIS_EMULATOR="http://localhost:$PORTAL_PORT" \
    MAP_APP_URL="http://localhost:$MAP_APP_PORT" \
    STACK_ADMIN_USER="$STACK_ADMIN_USER" STACK_ADMIN_PASSWORD="$STACK_ADMIN_PASSWORD" \
    MAP_APP_SECRET="$MAP_APP_SECRET" ARCGIS_ONLINE_SECRET="$ARCGIS_ONLINE_SECRET"
  set -a
  # shellcheck source=/dev/null
  . "$STACK_ENV"
  set +a
}

stack_start_map_app() {
  stack_log "Starting the example map app on port $MAP_APP_PORT (log: .local/map-app.log)"
  (cd "$STACK_ROOT/examples/map-app" && PORT="$MAP_APP_PORT" exec node server.mjs) >"$STACK_WORK/map-app.log" 2>&1 &
  STACK_PIDS[map-app]=$!
  stack_wait map-app "http://localhost:$MAP_APP_PORT/api/config" 30 "$STACK_WORK/map-app.log"
}
