#!/usr/bin/env bash
# Benchmark on a running local stack (bench/run.sh starts it and calls this): wrk on loopback against one
# Keycloak 26.7 node, every scenario warmed up first, then measured at 2 and 8 connections in ROUNDS interleaved
# rounds (the median round is reported):
#   a  client_credentials                          d  our exchange, IdentityServer4 reference token (cached introspection)
#   b  Keycloak's standard token exchange          e  our exchange to the user's ArcGIS token (cached in the vault)
#   c  our exchange, IdentityServer4 JWT           f  Keycloak's JWT authorization grant, same IdentityServer4 token
# Prints a markdown table and the ratios. Bounded: 6 warm-ups of WARMUP, 6 x 2 x ROUNDS runs of DURATION
# (defaults 10 s, 10 s, 3 rounds: about 7 minutes). The stack's URLs and map-app's secret: the environment, else
# .local/stack.env. The client bench-client it adds gets a secret Keycloak generates.
set -euo pipefail
cd "$(dirname "$0")"
STACK_ENV=${STACK_ENV:-../.local/stack.env}
if [ -z "${MAP_APP_SECRET:-}" ] && [ -f "$STACK_ENV" ]; then
  set -a
  # shellcheck source=/dev/null
  . "$STACK_ENV"
  set +a
fi
: "${MAP_APP_SECRET:?not set and not in $STACK_ENV: start the stack first (bench/run.sh)}"
KC=${KEYCLOAK:-http://localhost:8080}
REALM="$KC/realms/arcgis"
ISSUER=${IS4_ISSUER:-http://localhost:5000}
WARMUP=${WARMUP:-10s}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

field() { python3 -c "import json,sys; print(json.load(sys.stdin).get('$1',''))"; }
admin() { curl -fsS -H "Authorization: Bearer $ADMIN" -H "Content-Type: application/json" "$@"; }

ADMIN=$(curl -fsS "$KC/realms/master/protocol/openid-connect/token" -d grant_type=password -d client_id=admin-cli \
  -d username="${STACK_ADMIN_USER:-admin}" -d password="${STACK_ADMIN_PASSWORD:-admin}" | field access_token)

# A confidential client for a, b and f: service account, standard exchange, JWT authorization grant from identityserver4.
bench_client_id() { admin "$KC/admin/realms/arcgis/clients?clientId=bench-client" | python3 -c 'import json,sys; c=json.load(sys.stdin); print(c[0]["id"] if c else "")'; }
if [ -z "$(bench_client_id)" ]; then
  admin -X POST "$KC/admin/realms/arcgis/clients" -d '{"clientId":"bench-client","publicClient":false,
    "serviceAccountsEnabled":true,"standardFlowEnabled":false,"attributes":{"standard.token.exchange.enabled":"true",
    "oauth2.jwt.authorization.grant.enabled":"true","oauth2.jwt.authorization.grant.idp":"identityserver4",
    "access.token.lifespan":"3600"}}'
fi
BENCH_SECRET=$(admin "$KC/admin/realms/arcgis/clients/$(bench_client_id)/client-secret" | field value)
# The identity provider also accepts the JWT authorization grant (RFC 7523): reuse allowed, tokens of up to an hour.
admin "$KC/admin/realms/arcgis/identity-provider/instances/identityserver4" | python3 -c '
import json,sys
idp=json.load(sys.stdin)
idp["config"].update({"jwtAuthorizationGrantEnabled":"true","jwtAuthorizationGrantAssertionReuseAllowed":"true",
  "jwtAuthorizationGrantMaxAllowedAssertionExpiration":"3700"})
print(json.dumps(idp))' >"$WORK/idp.json"
admin -X PUT "$KC/admin/realms/arcgis/identity-provider/instances/identityserver4" -d @"$WORK/idp.json"

password_token() {
  curl -fsS "$ISSUER/connect/token" -d grant_type=password -d client_id=map-spa -d username=alice -d password=alice "$@" | field access_token
}
IS4_JWT=$(password_token)
IS4_REFERENCE=$(password_token -d token_format=reference)
IS4_FOR_KEYCLOAK=$(password_token -d "audience=$REALM")
KC_TOKEN=$(curl -fsS "$REALM/protocol/openid-connect/token" -u "bench-client:$BENCH_SECRET" -d grant_type=client_credentials | field access_token)
EXCHANGE="grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token_type=urn:ietf:params:oauth:token-type:access_token"

# scenario name, client:secret, form body
scenario() {
  local basic
  basic=$(printf '%s' "$2" | base64 -w0)
  cat >"$WORK/$1.lua" <<LUA
wrk.method = "POST"
wrk.body = "$3"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $basic"
LUA
  # One plain request first: a scenario that does not answer 200 is reported, not measured.
  status=$(curl -s -o "$WORK/$1.out" -w '%{http_code}' "$REALM/protocol/openid-connect/token" -H "Authorization: Basic $basic" --data "$3")
  echo "$status" >"$WORK/$1.status"
}
scenario a "bench-client:$BENCH_SECRET" "grant_type=client_credentials"
scenario b "bench-client:$BENCH_SECRET" "$EXCHANGE&subject_token=$KC_TOKEN"
scenario c "map-app:$MAP_APP_SECRET" "$EXCHANGE&subject_issuer=identityserver4&audience=arcgis-online&subject_token=$IS4_JWT"
scenario d "map-app:$MAP_APP_SECRET" "$EXCHANGE&subject_issuer=identityserver4&audience=arcgis-online&subject_token=$IS4_REFERENCE"
scenario e "map-app:$MAP_APP_SECRET" "$EXCHANGE&subject_issuer=identityserver4&requested_issuer=arcgis&subject_token=$IS4_JWT"
scenario f "bench-client:$BENCH_SECRET" "grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=$IS4_FOR_KEYCLOAK"

MEASURED=()
for name in a b c d e f; do
  if [ "$(cat "$WORK/$name.status")" != 200 ]; then
    echo "scenario $name not measured: HTTP $(cat "$WORK/$name.status") $(head -c 300 "$WORK/$name.out")" >&2
  else
    MEASURED+=("$name")
  fi
done

before=$(curl -fsS "$ISSUER/testbed/stats")
# Warm-up: every scenario once, so each code path is compiled before any measurement.
for name in "${MEASURED[@]}"; do
  wrk -t2 -c8 -d"$WARMUP" -s "$WORK/$name.lua" "$REALM/protocol/openid-connect/token" >/dev/null
done
# Interleaved rounds: a scenario measured only early or only late in the run would carry the server's drift (JIT,
# GC, the growing event table) into the comparison; the median of ROUNDS interleaved runs does not.
for connections in 2 8; do
  for round in $(seq 1 "$ROUNDS"); do
    for name in "${MEASURED[@]}"; do
      wrk -t2 -c"$connections" -d"$DURATION" --latency -s "$WORK/$name.lua" "$REALM/protocol/openid-connect/token" \
        >"$WORK/$name-$connections-$round.txt"
    done
  done
done
declare -A RPS P50 P99 BAD
for name in "${MEASURED[@]}"; do
  for connections in 2 8; do
    # The median round by req/s; its latencies are reported with it. Non-2xx answers are summed over all rounds.
    median=$(for round in $(seq 1 "$ROUNDS"); do
      echo "$(awk '/Requests\/sec/ {print $2}' "$WORK/$name-$connections-$round.txt") $round"
    done | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p" | cut -d' ' -f2)
    file="$WORK/$name-$connections-$median.txt"
    RPS[$name$connections]=$(awk '/Requests\/sec/ {print $2}' "$file")
    P50[$name$connections]=$(awk '$1=="50%" {print $2}' "$file")
    P99[$name$connections]=$(awk '$1=="99%" {print $2}' "$file")
    BAD[$name$connections]=$(cat "$WORK/$name-$connections"-*.txt | awk '/Non-2xx/ {n += $NF} END {print n + 0}')
  done
done
after=$(curl -fsS "$ISSUER/testbed/stats")

label() {
  case $1 in
    a) echo "a. client_credentials" ;; b) echo "b. standard token exchange (internal)" ;;
    c) echo "c. this exchange, IS4 JWT → arcgis-online" ;; d) echo "d. this exchange, IS4 reference token" ;;
    e) echo "e. this exchange → user's ArcGIS token (cached)" ;; f) echo "f. JWT authorization grant, IS4 JWT" ;;
  esac
}
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -n 1); wrk on the same cores; median of $ROUNDS interleaved $DURATION runs after a $WARMUP warm-up per scenario."
echo
echo "| scenario | req/s (2 conn) | p50 / p99 (2 conn) | req/s (8 conn) | p50 / p99 (8 conn) | non-2xx |"
echo "|---|---|---|---|---|---|"
for name in a b c d e f; do
  [ -n "${RPS[${name}8]:-}" ] || { echo "| $(label $name) | not measured | | | | |"; continue; }
  echo "| $(label $name) | ${RPS[${name}2]} | ${P50[${name}2]} / ${P99[${name}2]} | ${RPS[${name}8]} | ${P50[${name}8]} / ${P99[${name}8]} | $(( ${BAD[${name}2]:-0} + ${BAD[${name}8]:-0} )) |"
done
ratio() { [ -n "${RPS[${1}8]:-}" ] && [ -n "${RPS[${2}8]:-}" ] && python3 -c "print(f'{${RPS[${1}8]}/${RPS[${2}8]}:.2f}')" || echo "n/a"; }
echo
echo "Ratios at 8 connections (req/s): c/b $(ratio c b), c/f $(ratio c f), d/b $(ratio d b), e/b $(ratio e b)"
echo "Upstream calls during all runs: JWKS / introspection / userinfo $(python3 -c "import json; b=json.loads('$before'); a=json.loads('$after'); print(' / '.join(str(a[k]-b[k]) for k in ('jwks','introspection','userinfo')))")"
