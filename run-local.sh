#!/usr/bin/env bash
# One command, embedded defaults: builds the provider, fetches the Keycloak distribution through Maven, installs the
# jar, imports realm-export/arcgis-realm.json into a dev-file database, starts the IdentityServer4-compatible testbed
# issuer, Keycloak and the ArcGIS portal emulator (its OpenID Connect login pointing at Keycloak), and prints the
# endpoints, a ready-to-paste token exchange and how to watch a sign-in to ArcGIS in a browser.
#
#   ./run-local.sh            run until Ctrl-C
#   ./run-local.sh --smoke    start, perform the printed exchange, check sub and aud, stop (used by CI)
#   ./run-local.sh --reset    forget the local Keycloak database first (re-imports the realm)
#   ./run-local.sh --map-app  also build and start the example @arcgis/core app on 8081 (npm; first build ~3 min)
#   ./run-local.sh --browser-test
#                             start everything with 30 s ArcGIS tokens, run the headless-Chromium test of the example
#                             app (link once, secured layer, no sign-in popup, token expiry), measure the ArcGIS
#                             token exchange (cached vs refreshed), stop (used by CI)
#   ./run-local.sh --bench    start everything, link alice's ArcGIS account in the browser test, run the wrk benchmark
#                             (bench/keycloak-grants.sh: Keycloak's own grants against this exchange), stop
#   ./run-local.sh --soak     start with 1,000 generated IdentityServer4 users and a fixed 1 GiB heap, run bench/soak.sh (100,000 exchanges; sessions, users, memory, upstream calls),
#                             stop (add --reset to start from an empty database, so the warm-up creates the users)
#
# Ports (override with environment variables): Keycloak 8080 (KC_PORT), its management/health port 9000
# (KC_MANAGEMENT_PORT), testbed issuer 5000 (ISSUER_PORT), ArcGIS emulator 8090 (PORTAL_PORT). The realm export
# expects the issuer on 5000 and the emulator on 8090.
set -euo pipefail

cd "$(dirname "$0")"
ROOT=$(pwd)
KC_VERSION=$(sed -n 's:.*<keycloak.version>\(.*\)</keycloak.version>.*:\1:p' pom.xml | head -n 1)
KC_PORT=${KC_PORT:-8080}
KC_MANAGEMENT_PORT=${KC_MANAGEMENT_PORT:-9000}
ISSUER_PORT=${ISSUER_PORT:-5000}
PORTAL_PORT=${PORTAL_PORT:-8090}
MAP_APP_PORT=8081
WORK="$ROOT/.local"
KC_HOME="$WORK/keycloak-$KC_VERSION"
MODE=run
MAP_APP=no
RESET=no
for arg in "$@"; do
  case "$arg" in
    --smoke) MODE=smoke ;;
    --map-app) MAP_APP=yes ;;
    # Both link alice's ArcGIS account afresh: the emulator keeps ArcGIS's tokens in memory only, so a link stored by
    # an earlier run would name tokens the new emulator never issued.
    --browser-test) MODE=browser-test; MAP_APP=yes; RESET=yes; export ARCGIS_USER_TOKEN_SECONDS=${ARCGIS_USER_TOKEN_SECONDS:-30} ;;
    --bench) MODE=bench; MAP_APP=yes; RESET=yes ;;
    --soak) MODE=soak; export TESTBED_LOAD_USERS=${TESTBED_LOAD_USERS:-1000}
            # A fixed 1 GiB heap, committed and touched up front: RSS growth then is native memory, not the heap filling up.
            export JAVA_OPTS_KC_HEAP=${JAVA_OPTS_KC_HEAP:-"-Xms1g -Xmx1g -XX:+AlwaysPreTouch"} ;;
    --reset) RESET=yes ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done
[ "$RESET" = yes ] && rm -rf "$KC_HOME/data"

log() { printf '\n== %s\n' "$*"; }
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

for port in "$KC_PORT" "$KC_MANAGEMENT_PORT" "$ISSUER_PORT" "$PORTAL_PORT" "$MAP_APP_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Port $port is in use (a running test suite or an earlier run?). Stop it or choose another port." >&2
    exit 1
  fi
done

log "Building the provider jar and the testbed"
mvn -B -q -Dstyle.color=never -DskipTests package

if [ "$MAP_APP" = yes ]; then
  log "Building the example map app (npm; @arcgis/core from the npm registry)"
  (cd examples/map-app && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npx vite build --logLevel warn)
fi

scripts/fetch-keycloak.sh "$WORK" "$KC_VERSION"

# --import-realm leaves an existing realm alone: start from a fresh database whenever the realm export changed.
REALM_SUM=$(sha256sum realm-export/arcgis-realm.json | cut -d' ' -f1)
if [ -d "$KC_HOME/data" ] && [ "$(cat "$KC_HOME/.realm.sha256" 2>/dev/null)" != "$REALM_SUM" ]; then
  log "The realm export changed since the last run: starting from a fresh local database"
  rm -rf "$KC_HOME/data"
fi
JAR=$(ls provider/target/keycloak-arcgis-bridge-*.jar | head -n 1)
mkdir -p "$KC_HOME/providers" "$KC_HOME/data/import"
echo "$REALM_SUM" >"$KC_HOME/.realm.sha256"
cp realm-export/arcgis-realm.json "$KC_HOME/data/import/"
# 'start --optimized' refuses to run with a provider that changed since the last build: rebuild only then.
if ! cmp -s "$JAR" "$KC_HOME/providers/keycloak-arcgis-bridge.jar" || [ ! -f "$KC_HOME/.built" ]; then
  log "Installing the provider and building Keycloak (about 20 s)"
  cp "$JAR" "$KC_HOME/providers/keycloak-arcgis-bridge.jar"
  "$KC_HOME/bin/kc.sh" build --db=dev-file --health-enabled=true >"$WORK/kc-build.log" 2>&1 \
    || { cat "$WORK/kc-build.log"; exit 1; }
  touch "$KC_HOME/.built"
fi

log "Starting the testbed IdentityServer4 issuer on port $ISSUER_PORT"
java -cp "testbed/target/classes:testbed/target/lib/*" io.github.arcgisbridge.testbed.identityserver.Main "$ISSUER_PORT" \
  "http://localhost:$KC_PORT" >"$WORK/issuer.log" 2>&1 &
pids+=($!)

log "Starting Keycloak on port $KC_PORT (log: .local/keycloak.log)"
KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=admin \
  "$KC_HOME/bin/kc.sh" start --optimized --import-realm --http-enabled=true --http-port="$KC_PORT" \
  --http-management-port="$KC_MANAGEMENT_PORT" --hostname-strict=false --cache=local \
  >"$WORK/keycloak.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 180); do
  if curl -fsS "http://localhost:$KC_MANAGEMENT_PORT/health/ready" 2>/dev/null | grep -q UP \
     && curl -fsS "http://localhost:$ISSUER_PORT/.well-known/openid-configuration" >/dev/null 2>&1; then
    break
  fi
  if ! kill -0 "${pids[1]}" 2>/dev/null; then tail -n 50 "$WORK/keycloak.log"; exit 1; fi
  sleep 1
done
curl -fsS "http://localhost:$KC_MANAGEMENT_PORT/health/ready" | grep -q UP || { tail -n 50 "$WORK/keycloak.log"; exit 1; }

log "Starting the ArcGIS portal emulator on port $PORTAL_PORT (log: .local/portal.log)"
java -cp "testbed/target/classes:testbed/target/lib/*" io.github.arcgisbridge.testbed.arcgis.Main "$PORTAL_PORT" \
  "http://localhost:$KC_PORT/realms/arcgis" >"$WORK/portal.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 30); do
  curl -fsS "http://localhost:$PORTAL_PORT/sharing/rest/portals/self?f=json" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "http://localhost:$PORTAL_PORT/sharing/rest/portals/self?f=json" >/dev/null || { cat "$WORK/portal.log"; exit 1; }

ISSUER="http://localhost:$ISSUER_PORT"
REALM="http://localhost:$KC_PORT/realms/arcgis"
IS4_TOKEN=$(curl -fsS "$ISSUER/connect/token" -d grant_type=password -d client_id=map-spa \
  -d username=alice -d password=alice -d 'scope=openid profile email arcgis.read' \
  | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')

cat <<EOF

Keycloak $KC_VERSION with the ArcGIS bridge is running.
  Admin console:         http://localhost:$KC_PORT/admin/  (admin / admin, realm "arcgis")
  Realm discovery:       $REALM/.well-known/openid-configuration
  Token endpoint:        $REALM/protocol/openid-connect/token
  Testbed IdentityServer4 issuer: $ISSUER  (users alice/alice sub 818727, bob/bob; client map-spa)

A fresh IdentityServer4 access token for alice (valid 1 hour):
  IS4_TOKEN=$IS4_TOKEN

Exchange it for a token for ArcGIS (client arcgis-online), as the app backend map-app would:
  curl -s $REALM/protocol/openid-connect/token \\
    -u map-app:map-app-secret \\
    -d grant_type=urn:ietf:params:oauth:grant-type:token-exchange \\
    -d subject_token=\$IS4_TOKEN \\
    -d subject_token_type=urn:ietf:params:oauth:token-type:access_token \\
    -d subject_issuer=identityserver4 \\
    -d audience=arcgis-online

Another token: curl -s $ISSUER/connect/token -d grant_type=password -d client_id=map-spa -d username=alice -d password=alice

Watch alice sign in to the emulated ArcGIS portal through Keycloak (ArcGIS -> Keycloak -> IdentityServer4):
  open http://localhost:$PORTAL_PORT/app/ in a browser, click "Sign in to ArcGIS", then "Sign in with Keycloak",
  and log in at the IdentityServer4 testbed as alice / alice. Keycloak shows no page of its own; the result page
  names the ArcGIS member (alice_example, IdP user id 818727) and counts the secured layer's features.
EOF

if [ "$MAP_APP" = yes ]; then
  log "Starting the example map app on port $MAP_APP_PORT (log: .local/map-app.log)"
  (cd examples/map-app && exec node server.mjs) >"$WORK/map-app.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 20); do curl -fsS "http://localhost:$MAP_APP_PORT/api/config" >/dev/null 2>&1 && break; sleep 0.5; done
  echo
  echo "The example map app: open http://localhost:$MAP_APP_PORT/ and sign in as alice / alice. The first visit offers"
  echo "\"Link your ArcGIS account (once)\"; afterwards the secured Parcels layer shows with no ArcGIS sign-in popup."
fi

if [ "$MODE" = bench ] || [ "$MODE" = soak ]; then
  command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
fi

if [ "$MODE" = soak ]; then
  log "Soak (about 5 minutes)"
  KC_PID="${pids[1]}" bench/soak.sh
  exit $?
fi

if [ "$MODE" = bench ]; then
  log "Linking alice's ArcGIS account (the browser test, without its expiry wait)"
  (cd examples/map-app && SKIP_EXPIRY=1 node browser-test.mjs) || exit 1
  log "Benchmark (about 8 minutes)"
  bench/keycloak-grants.sh
  exit $?
fi

if [ "$MODE" = browser-test ]; then
  (cd examples/map-app && node browser-test.mjs) || exit 1
  log "Measuring the exchange to the user's ArcGIS token (bench/arcgis-exchange.mjs)"
  node bench/arcgis-exchange.mjs
  exit $?
fi

if [ "$MODE" = smoke ]; then
  RESPONSE=$(curl -sS "$REALM/protocol/openid-connect/token" -u map-app:map-app-secret \
    -d grant_type=urn:ietf:params:oauth:grant-type:token-exchange -d "subject_token=$IS4_TOKEN" \
    -d subject_token_type=urn:ietf:params:oauth:token-type:access_token -d subject_issuer=identityserver4 \
    -d audience=arcgis-online)
  PAYLOAD=$(printf '%s' "$RESPONSE" | sed -n 's/.*"access_token":"[^.]*\.\([^.]*\)\..*/\1/p' | tr '_-' '/+')
  while [ $(( ${#PAYLOAD} % 4 )) -ne 0 ]; do PAYLOAD="$PAYLOAD="; done
  CLAIMS=$(printf '%s' "$PAYLOAD" | base64 -d 2>/dev/null || true)
  if printf '%s' "$CLAIMS" | grep -q '"sub":"818727"' && printf '%s' "$CLAIMS" | grep -Eq '"aud":(\[[^]]*)?"arcgis-online"'; then
    echo; echo "Smoke check passed: the exchanged token has sub 818727 and aud arcgis-online."
    exit 0
  fi
  echo; echo "Smoke check FAILED. Response: $RESPONSE" >&2
  exit 1
fi

echo; echo "Press Ctrl-C to stop."
wait "${pids[1]}"
