#!/usr/bin/env bash
# One command: builds the provider, fetches the Keycloak distribution through Maven, installs the jar, imports
# realm-export/arcgis-realm.json into a dev-file database, starts the IdentityServer4-compatible testbed issuer,
# Keycloak (upstream secrets from its file vault) and the ArcGIS portal emulator (its OpenID Connect login pointing at
# Keycloak), and prints the endpoints, a ready-to-paste token exchange and how to watch a sign-in to ArcGIS in a
# browser. The stack itself: scripts/stack.sh (secrets in .local/secrets/, the running stack in .local/stack.env).
#
#   ./run-local.sh                run until Ctrl-C
#   ./run-local.sh --smoke        start, perform the printed exchange and check the token (preferred_username alice,
#                                 aud arcgis-online, sub = alice's Keycloak user), a reference token's exchange
#                                 (introspection with the vault's secret) and the ArcGIS route; stop (used by CI)
#   ./run-local.sh --reset        forget the local Keycloak database first (re-imports the realm; keeps the secrets)
#   ./run-local.sh --map-app      also build and start the example @arcgis/core app on 8081 (npm; first build ~3 min)
#   ./run-local.sh --browser-test start everything with 30 s ArcGIS tokens from a fresh database, run the
#                                 headless-Chromium test of the example app (link once, secured layer, no sign-in
#                                 popup, token expiry), measure the ArcGIS token exchange (cached vs refreshed), stop
#                                 (used by CI)
#   ./run-local.sh --enterprise   ArcGIS Enterprise instead of ArcGIS Online: the emulator's portal at
#                                 http://localhost:8090/portal with a federated ArcGIS Server at /server, and Keycloak's
#                                 identity provider arcgis pointed at that portal (admin REST API, after the import)
#   ./run-local.sh --beside       the "beside" deployment: ArcGIS's OpenID Connect login stays on IdentityServer4 (the
#                                 emulator signs in at the testbed issuer as its client arcgis-portal); Keycloak only
#                                 exchanges tokens and links accounts, and linking passes ArcGIS's sign-in straight
#                                 to IdentityServer4
# --enterprise and --beside combine with each other and with --smoke, --map-app and --browser-test. The benchmark and
# the soak moved to bench/run.sh and bench/soak.sh, the cluster check is cluster/run-cluster.sh.
#
# Environment: ports KC_PORT 8080, KC_MANAGEMENT_PORT 9000, ISSUER_PORT 5000, PORTAL_PORT 8090, MAP_APP_PORT 8081 (the
# realm export expects these); MVN_OFFLINE=1 (Maven offline), SKIP_BUILD=1 (use what is built); CHROMIUM
# (/usr/bin/chromium). Nothing is installed here: a missing tool is named with its Debian package, and the run stops.
set -euo pipefail

cd "$(dirname "$0")"
# shellcheck source=scripts/stack.sh
. scripts/stack.sh

MODE=run
MAP_APP=no
for arg in "$@"; do
  case "$arg" in
    --smoke) MODE=smoke ;;
    --map-app) MAP_APP=yes ;;
    # A fresh database: the emulator keeps ArcGIS's tokens in memory only, so a link stored by an earlier run would
    # name tokens the new emulator never issued.
    --browser-test) MODE=browser-test; MAP_APP=yes; STACK_RESET=yes
                    export ARCGIS_USER_TOKEN_SECONDS=${ARCGIS_USER_TOKEN_SECONDS:-30} ;;
    --reset) STACK_RESET=yes ;;
    --enterprise) STACK_ENTERPRISE=yes ;;
    --beside) STACK_BESIDE=yes ;;
    --bench) echo "The benchmark moved: bench/run.sh" >&2; exit 2 ;;
    --soak) echo "The soak moved: bench/soak.sh" >&2; exit 2 ;;
    *) echo "unknown option: $arg (see the header of $0)" >&2; exit 2 ;;
  esac
done

stack_need_base
if [ "$MAP_APP" = yes ]; then stack_need node nodejs; stack_need npm npm; fi
[ "$MODE" = browser-test ] && stack_need chromium chromium
stack_check_needs
ports=("$KC_PORT" "$KC_MANAGEMENT_PORT" "$ISSUER_PORT" "$PORTAL_PORT")
[ "$MAP_APP" = yes ] && ports+=("$MAP_APP_PORT")
stack_ports_free "${ports[@]}"

trap stack_stop EXIT
trap 'exit 130' INT TERM
started=$(date +%s)
stack_build
if [ "$MAP_APP" = yes ]; then stack_build_map_app; fi
if [ "$MODE" = browser-test ]; then stack_script_modules; fi
stack_up

REALM="$KEYCLOAK_REALM_URL"
IS4_TOKEN=$(curl -fsS "$IS4_ISSUER/connect/token" -d grant_type=password -d client_id=map-spa \
  -d username=alice -d password=alice -d 'scope=openid profile email arcgis.read' \
  | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
if [ "$STACK_BESIDE" = yes ]; then
  LOGIN="\"Sign in with IdentityServer4\" (ArcGIS's OpenID Connect login on IdentityServer4, Keycloak beside it)"
  CHAIN="ArcGIS -> IdentityServer4"
else
  LOGIN="\"Sign in with Keycloak\""
  CHAIN="ArcGIS -> Keycloak -> IdentityServer4"
fi

# shellcheck disable=SC2153 # KEYCLOAK and the other URLs come from .local/stack.env (stack_up)
cat <<EOF

Keycloak $KC_VERSION with the ArcGIS bridge is running, ready after $(( $(date +%s) - started )) s
(ArcGIS $STACK_DEPLOYMENT; ArcGIS's OpenID Connect login on $STACK_ARCGIS_LOGIN).
  Admin console:         $KEYCLOAK/admin/  ($STACK_ADMIN_USER / $STACK_ADMIN_PASSWORD, realm "arcgis")
  Realm discovery:       $REALM/.well-known/openid-configuration
  Token endpoint:        $REALM/protocol/openid-connect/token
  Testbed IdentityServer4 issuer: $IS4_ISSUER  (users alice/alice sub 818727, bob/bob; client map-spa)
  ArcGIS portal (emulated): $ARCGIS_PORTAL  (secured layer $ARCGIS_LAYER_URL)
  Secrets: generated in .local/secrets/ (Keycloak's file vault: .local/secrets/vault); the clients' secrets Keycloak
  generated on import, with the stack's URLs, are in .local/stack.env.

A fresh IdentityServer4 access token for alice (valid 1 hour):
  IS4_TOKEN=$IS4_TOKEN

Exchange it for a token for ArcGIS (client arcgis-online), as the app backend map-app would; first load map-app's
secret into your shell:
  set -a; . $STACK_ENV; set +a
  curl -s \$KEYCLOAK_REALM_URL/protocol/openid-connect/token \\
    -u "map-app:\$MAP_APP_SECRET" \\
    -d grant_type=urn:ietf:params:oauth:grant-type:token-exchange \\
    -d subject_token=\$IS4_TOKEN \\
    -d subject_token_type=urn:ietf:params:oauth:token-type:access_token \\
    -d subject_issuer=identityserver4 \\
    -d audience=arcgis-online

Another token: curl -s $IS4_ISSUER/connect/token -d grant_type=password -d client_id=map-spa -d username=alice -d password=alice

Watch alice sign in to the emulated ArcGIS portal ($CHAIN):
  open $ARCGIS_EMULATOR/app/ in a browser, click "Sign in to ArcGIS", then $LOGIN,
  and log in at the IdentityServer4 testbed as alice / alice. The result page names the ArcGIS member
  (alice_example, IdP user id 818727) and counts the secured layer's features.
EOF

if [ "$MAP_APP" = yes ]; then
  stack_start_map_app
  echo
  echo "The example map app: open $MAP_APP_URL/ and sign in as alice / alice. The first visit offers"
  echo "\"Link your ArcGIS account (once)\"; afterwards the secured Parcels layer shows with no ArcGIS sign-in popup."
fi

# --- smoke: the printed exchange, and what it must show ------------------------------------------------------------------
claims_of() { # a JWT's payload, decoded
  local payload
  payload=$(printf '%s' "$1" | cut -d. -f2 | tr '_-' '/+')
  while [ $(( ${#payload} % 4 )) -ne 0 ]; do payload="$payload="; done
  printf '%s' "$payload" | base64 -d 2>/dev/null || true
}
exchange() { # extra form fields...; prints the response
  curl -sS "$REALM/protocol/openid-connect/token" -u "map-app:$MAP_APP_SECRET" \
    -d grant_type=urn:ietf:params:oauth:grant-type:token-exchange \
    -d subject_token_type=urn:ietf:params:oauth:token-type:access_token -d subject_issuer=identityserver4 "$@"
}
access_token_of() { printf '%s' "$1" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p'; } # a token response's token
has() { printf '%s' "$1" | grep -Eq "$2"; } # TEXT REGEX
has_all() { # TEXT REGEX...
  local text=$1 regex
  shift
  for regex in "$@"; do has "$text" "$regex" || return 1; done
}
smoke() {
  local failed=0 response claims alice userinfo reference routed
  expect() { # WHAT COMMAND...
    if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; failed=1; fi
  }
  response=$(exchange -d "subject_token=$IS4_TOKEN" -d audience=arcgis-online)
  claims=$(claims_of "$(access_token_of "$response")")
  alice=$(stack_kcadm get users -r arcgis -q username=alice -q exact=true --fields id --format csv --noquotes)
  alice=${alice:-no-user-alice}
  expect "the exchanged token names alice (preferred_username)" has "$claims" '"preferred_username":"alice"'
  expect "its aud is arcgis-online" has "$claims" '"aud":(\[[^]]*)?"arcgis-online"'
  expect "its azp is the requester, map-app" has "$claims" '"azp":"map-app"'
  expect "its sub is alice's Keycloak user id ($alice)" has "$claims" "\"sub\":\"$alice\""
  # Keycloak's userinfo wants the openid scope, which the exchange grants when asked for it.
  response=$(exchange -d "subject_token=$IS4_TOKEN" -d audience=arcgis-online -d 'scope=openid profile email')
  userinfo=$(curl -sS "$REALM/protocol/openid-connect/userinfo" -H "Authorization: Bearer $(access_token_of "$response")")
  expect "Keycloak's userinfo, with an exchanged token (scope openid), names the same user" \
    has_all "$userinfo" "\"sub\":\"$alice\"" '"preferred_username":"alice"'
  # A reference token is checked by introspection, with the API secret Keycloak reads from its vault.
  reference=$(curl -fsS "$IS4_ISSUER/connect/token" -d grant_type=password -d client_id=map-spa -d username=alice \
    -d password=alice -d token_format=reference)
  reference=$(access_token_of "$reference")
  response=$(exchange -d "subject_token=$reference" -d audience=arcgis-online)
  expect "a reference token's exchange (introspection authenticated with the API secret from Keycloak's vault)" \
    has "$(claims_of "$(access_token_of "$response")")" '"preferred_username":"alice"'
  # resource=<the portal's sharing/rest> reaches the identity provider arcgis (Online or Enterprise URL): alice is not
  # linked on a fresh database, so it answers with the link to follow; a link from an earlier run answers a token.
  routed=$(exchange -d "subject_token=$IS4_TOKEN" -d "resource=$ARCGIS_PORTAL/sharing/rest")
  expect "resource=$ARCGIS_PORTAL/sharing/rest routes to the identity provider arcgis ($(printf '%s' "$routed" \
    | sed -n 's/.*"error":"\([^"]*\)".*/\1/p'))" has "$routed" '"account-link-url":"[^"]*kc_action=idp_link(:|%3A)arcgis|"access_token"'
  if [ "$failed" -ne 0 ]; then
    echo "Smoke check FAILED (ArcGIS $STACK_DEPLOYMENT, login on $STACK_ARCGIS_LOGIN)." >&2
    return 1
  fi
  echo "Smoke check passed (ArcGIS $STACK_DEPLOYMENT, login on $STACK_ARCGIS_LOGIN) in $(( $(date +%s) - started )) s."
}

case "$MODE" in
  smoke)
    stack_log "Smoke check"
    smoke
    ;;
  browser-test)
    stack_log "The example app in headless Chromium (examples/map-app/browser-test.mjs)"
    # The screenshot goes to .local/: docs/ keeps the published one.
    (cd examples/map-app && SCREENSHOT=${SCREENSHOT:-$STACK_WORK/map-app-secured-layer.png} node browser-test.mjs)
    stack_log "Measuring the exchange to the user's ArcGIS token (bench/arcgis-exchange.mjs)"
    ROUNDS=${ROUNDS:-3} node bench/arcgis-exchange.mjs
    echo "Browser test passed in $(( $(date +%s) - started )) s."
    ;;
  run)
    echo; echo "Press Ctrl-C to stop."
    wait "${STACK_PIDS[keycloak]}"
    ;;
esac
