#!/usr/bin/env bash
# docker-compose.yml brought up for real: the committed file, unchanged, with the local stand-in images
# (docker/build-standin-images.sh) chosen through its image variables, on ports of its own so that it never meets a
# local run or the test suites (8080/9000): every default port + COMPOSE_CHECK_PORT_OFFSET (10000): Keycloak 18080,
# management 19000, issuer 15000, portal 18090, map app 18081, PostgreSQL 15432, all on 127.0.0.1.
#
#   .ci/compose-check.sh      needs a Docker engine (.ci/docker-engine.sh start), the stand-in images, the provider jar
#                             and the testbed built (mvn -B -DskipTests package); .ci/containers.sh does all of that
#
# Steps: docker-compose build (the testbed image), up -d, wait until every service is healthy and both one-shot
# services exited 0, the README's exchange against the composed Keycloak (an IdentityServer4 token for alice from the
# composed issuer; map-app's secret read from Keycloak with kcadm.sh inside its container, never assumed), the decoded
# claims' aud/azp/preferred_username checked (the token itself is never printed), the emulated ArcGIS portal's sign-in
# through the composed Keycloak and IdentityServer4 as a browser does it, then down -v (always).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

PROJECT=${COMPOSE_CHECK_PROJECT:-arcgis-bridge-ci}
offset=${COMPOSE_CHECK_PORT_OFFSET:-10000}
export KC_PORT=$((8080 + offset)) KC_MANAGEMENT_PORT=$((9000 + offset)) ISSUER_PORT=$((5000 + offset))
export PORTAL_PORT=$((8090 + offset)) MAP_APP_PORT=$((8081 + offset)) POSTGRES_PORT=$((5432 + offset))
export KEYCLOAK_IMAGE=${KEYCLOAK_IMAGE:-arcgis-bridge-standin/keycloak:26.7.0}
export POSTGRES_IMAGE=${POSTGRES_IMAGE:-arcgis-bridge-standin/postgres:15}
export JRE_IMAGE=${JRE_IMAGE:-arcgis-bridge-standin/jre:17}
unset KEYCLOAK_ADMIN_PASSWORD  # the stack generates its own
compose=(docker-compose --ansi never -p "$PROJECT" -f docker-compose.yml)
started=$SECONDS

log() { printf '[compose-check %s] %s\n' "$(date +%T)" "$*"; }
fail() {
  echo "COMPOSE CHECK FAILED: $*" >&2
  [ -n "$("${compose[@]}" ps -q 2>/dev/null)" ] || exit 1  # nothing was started
  "${compose[@]}" ps >&2 || true
  local service
  for service in init postgres identityserver4 keycloak arcgis-login arcgis-emulator; do
    echo "--- the end of $service's log" >&2
    "${compose[@]}" logs --no-color --tail=25 "$service" >&2 2>/dev/null || true
  done
  exit 1
}
down() {
  log "docker-compose down -v"
  "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
}

if [ ! -f provider/target/keycloak-arcgis-bridge-0.1.0-SNAPSHOT.jar ] || [ ! -d testbed/target/lib ]; then
  fail "build first: mvn -B -DskipTests package (docker-compose.yml mounts the provider jar and builds on the testbed)"
fi
log "docker-compose.yml with KEYCLOAK_IMAGE=$KEYCLOAK_IMAGE POSTGRES_IMAGE=$POSTGRES_IMAGE JRE_IMAGE=$JRE_IMAGE;" \
  "ports: Keycloak $KC_PORT (management $KC_MANAGEMENT_PORT), issuer $ISSUER_PORT, portal $PORTAL_PORT, PostgreSQL $POSTGRES_PORT"
"${compose[@]}" config -q
down  # leftovers of an interrupted run of this check
for port in "$KC_PORT" "$KC_MANAGEMENT_PORT" "$ISSUER_PORT" "$PORTAL_PORT" "$POSTGRES_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "port $port is in use (by something else than this check: choose another COMPOSE_CHECK_PORT_OFFSET)"
  fi
done

trap down EXIT
log "docker-compose build"
"${compose[@]}" build -q >/dev/null 2>&1 || "${compose[@]}" build || fail "docker-compose build"
log "docker-compose up -d"
"${compose[@]}" up -d || fail "docker-compose up"

# up -d returns once the dependencies' conditions held; the emulator's own health comes a little later.
log "Waiting for every service to be healthy"
deadline=$((SECONDS + 240))
while :; do
  states=""
  for service in postgres identityserver4 keycloak arcgis-emulator; do
    id=$("${compose[@]}" ps -q "$service")
    states+="$service=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id") "
  done
  for service in init arcgis-login; do
    id=$("${compose[@]}" ps -q "$service")
    states+="$service=$(docker inspect -f '{{.State.Status}}:{{.State.ExitCode}}' "$id") "
  done
  if [[ $states != *starting* && $states != *unhealthy* && $states == *"init=exited:0"* && $states == *"arcgis-login=exited:0"* ]]; then
    break
  fi
  [ $SECONDS -lt $deadline ] || fail "not healthy after 240 s: $states"
  sleep 2
done
log "Healthy after $((SECONDS - started)) s: $states"
"${compose[@]}" ps

# Listening on loopback only: every socket of the stack's ports is bound to 127.0.0.1.
if command -v ss >/dev/null; then
  exposed=$(ss -Hltn | awk '{ print $4 }' | grep -E ":($KC_PORT|$KC_MANAGEMENT_PORT|$ISSUER_PORT|$PORTAL_PORT|$POSTGRES_PORT)\$" |
    grep -vE '^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]):' || true)
  [ -z "$exposed" ] || fail "listening beyond loopback: $exposed"
  log "The stack's ports listen on 127.0.0.1 only."
fi

log "The README's exchange against the composed Keycloak"
is4_token=$(curl -fsS "http://localhost:$ISSUER_PORT/connect/token" -d grant_type=password -d client_id=map-spa \
  -d username=alice -d password=alice -d 'scope=openid profile email arcgis.read' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])') || fail "no IdentityServer4 token for alice"
# map-app's secret, as Keycloak generated it on import: kcadm.sh inside the Keycloak container, as its bootstrap admin.
# shellcheck disable=SC2016 # expanded inside the container
map_app_secret=$("${compose[@]}" exec -T keycloak bash -c '
  set -euo pipefail
  kcadm=/opt/keycloak/bin/kcadm.sh; config=$(mktemp)
  $kcadm config credentials --config "$config" --server "http://127.0.0.1:$KC_HTTP_PORT" --realm master --user admin \
    --password "$(cat /run/secrets/arcgis-bridge/keycloak/admin-password)" >/dev/null 2>&1
  id=$($kcadm get clients --config "$config" -r arcgis -q clientId=map-app --fields id --format csv --noquotes)
  $kcadm get "clients/$id/client-secret" --config "$config" -r arcgis --fields value --format csv --noquotes
  rm -f "$config"') || fail "could not read map-app's secret from Keycloak"
[ -n "$map_app_secret" ] || fail "Keycloak returned no secret for map-app"
response=$(curl -sS "http://localhost:$KC_PORT/realms/arcgis/protocol/openid-connect/token" -u "map-app:$map_app_secret" \
  -d grant_type=urn:ietf:params:oauth:grant-type:token-exchange -d "subject_token=$is4_token" \
  -d subject_token_type=urn:ietf:params:oauth:token-type:access_token -d subject_issuer=identityserver4 \
  -d audience=arcgis-online)
# The claims the README promises, decoded here; the token is never printed.
claims=$(RESPONSE=$response python3 - <<'EOF'
import base64, json, os, sys
answer = json.loads(os.environ["RESPONSE"])
if "access_token" not in answer:
    print("no access_token: " + json.dumps({k: v for k, v in answer.items() if "token" not in k}))
    sys.exit(1)
payload = answer["access_token"].split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
aud = claims.get("aud")
aud = aud if isinstance(aud, list) else [aud]
print("aud=%s azp=%s preferred_username=%s sub=%s issued_token_type=%s" % (",".join(map(str, aud)), claims.get("azp"),
      claims.get("preferred_username"), claims.get("sub"), answer.get("issued_token_type")))
sys.exit(0 if "arcgis-online" in aud and claims.get("azp") == "map-app" and claims.get("preferred_username") == "alice" else 1)
EOF
) || fail "the exchange did not answer as the README says: $claims"
log "Exchanged token's claims: $claims"

# The browser side: the emulated portal's demo app signs alice in through the composed Keycloak, which brokers to the
# composed IdentityServer4 (cookies, redirects and the login form handled as a browser does; no JavaScript involved).
log "ArcGIS sign-in through the composed Keycloak (the emulator's demo app, alice at the testbed issuer)"
signin=$(PORTAL=http://localhost:$PORTAL_PORT KEYCLOAK=http://localhost:$KC_PORT python3 - <<'PY'
import html, http.cookiejar, os, re, sys, urllib.error, urllib.parse, urllib.request
jar = http.cookiejar.CookieJar()
class Stop(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), Stop)
hops = []
def fetch(url, data=None):
    while True:
        for cookie in jar:
            cookie.secure = False  # browsers send Secure cookies to http://localhost, a secure context
        hops.append(url.split("?")[0])
        try:
            answer = opener.open(urllib.request.Request(url, data=data), timeout=30)
            return url, answer.read().decode()
        except urllib.error.HTTPError as e:
            if e.code in (301, 302, 303, 307) and e.headers.get("Location"):
                url, data = urllib.parse.urljoin(url, e.headers["Location"]), None
                continue
            return url, "HTTP %d %s" % (e.code, e.read().decode()[:300])
def link(body, link_id):
    return html.unescape(re.search(r'id="%s"[^>]*href="([^"]+)"' % link_id, body).group(1))
url, body = fetch(os.environ["PORTAL"] + "/app/")
url, body = fetch(link(body, "sign-in"))                                # the portal's sign-in page
url, body = fetch(urllib.parse.urljoin(url, link(body, "oidc-login")))  # "Sign in with Keycloak"
if "/account/login" in url:                                             # the testbed IdentityServer4's login form
    action = html.unescape(re.search(r'<form[^>]*action="([^"]*)"', body, re.I).group(1))
    form = {n: html.unescape(v) for n, v in re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', body)}
    form.update(username="alice", password="alice")
    url, body = fetch(urllib.parse.urljoin(url, action), urllib.parse.urlencode(form).encode())
member = re.search(r"Member: (\S+) \(IdP user id (\S+)\)", re.sub(r"<[^>]+>", " ", body))
through = any(hop.startswith(os.environ["KEYCLOAK"] + "/realms/arcgis/") for hop in hops)
print("member=%s idp_user_id=%s via_keycloak=%s" % (member and member.group(1), member and member.group(2), through))
sys.exit(0 if member and member.group(1) == "alice_example" and member.group(2) == "818727" and through else 1)
PY
) || fail "the ArcGIS sign-in through Keycloak did not end with alice signed in: $signin"
log "Signed in at the emulated portal: $signin"
log "COMPOSE CHECK PASSED in $((SECONDS - started)) s (docker-compose up healthy; exchange answered and ArcGIS sign-in brokered by the composed Keycloak)"
