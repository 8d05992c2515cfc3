#!/usr/bin/env bash
# Soak: starts the local stack (scripts/stack.sh) with 1,000 generated IdentityServer4 users and a fixed 1 GiB heap,
# then 100,000 token exchanges (IdentityServer4 JWT → token for arcgis-online) spread over the 1,000 users, 8
# connections, and stops. Measures what must not grow: the realm's user and client sessions, the users (each created
# once, by its first exchange), Keycloak's resident memory and live heap after a full GC (with the whole heap
# committed and touched at start, RSS growth is native memory, not the heap filling up), the classes whose live
# instances grew; and reports the calls made to the upstream issuer (JWKS, introspection, userinfo). Exits non-zero
# when a check fails.
#   bench/soak.sh [--reset]     --reset: from an empty database, so the warm-up creates the users
#   USERS (1000)   EXCHANGES (100000)   WARMUP_EXCHANGES (10000); the stack's environment as scripts/stack.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/stack.sh
. scripts/stack.sh
for arg in "$@"; do
  case "$arg" in
    --reset) STACK_RESET=yes ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done
USERS=${USERS:-1000}
EXCHANGES=${EXCHANGES:-100000}
WARMUP_EXCHANGES=${WARMUP_EXCHANGES:-10000}
stack_need_base
stack_need wrk wrk
stack_need python3 python3
stack_need jcmd openjdk-17-jdk-headless
stack_need pgrep procps
stack_check_needs
stack_ports_free "$KC_PORT" "$KC_MANAGEMENT_PORT" "$ISSUER_PORT" "$PORTAL_PORT"

export TESTBED_LOAD_USERS=${TESTBED_LOAD_USERS:-$USERS}
# A fixed 1 GiB heap, committed and touched up front: RSS growth then is native memory, not the heap filling up.
export JAVA_OPTS_KC_HEAP=${JAVA_OPTS_KC_HEAP:-"-Xms1g -Xmx1g -XX:+AlwaysPreTouch"}
WORK=$(mktemp -d)
trap 'stack_stop; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
stack_build
stack_up
stack_log "Soak (about 5 minutes)"
# shellcheck disable=SC2153 # KEYCLOAK, IS4_ISSUER and MAP_APP_SECRET come from .local/stack.env (stack_up)
KC=$KEYCLOAK
REALM="$KC/realms/arcgis"
ISSUER=$IS4_ISSUER
KC_PID=${STACK_PIDS[keycloak]}
# kc.sh starts the JVM as a child that carries the script's pid.
JVM_PID=$(pgrep -f -- "-Dkc.script.pid=$KC_PID " | head -n 1 || true)
KC_PID=${JVM_PID:-$KC_PID}

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
admin_get() {
  local token
  token=$(curl -fsS "$KC/realms/master/protocol/openid-connect/token" -d grant_type=password -d client_id=admin-cli \
    -d username="$STACK_ADMIN_USER" -d password="$STACK_ADMIN_PASSWORD" | json "d['access_token']")
  curl -fsS -H "Authorization: Bearer $token" "$KC/admin/realms/arcgis/$1"
}
sessions() { admin_get client-session-stats | json "sum(int(c['active']) + int(c['offline']) for c in d)"; }
users() { admin_get users/count; }
rss_mib() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$KC_PID/status"; }
full_gc() { jcmd "$KC_PID" GC.run >/dev/null; sleep 2; }
# The class histogram runs a full GC first; its total is the live heap.
histogram() { jcmd "$KC_PID" GC.class_histogram >"$1"; }
live_mib() { awk '$1 == "Total" {printf "%.0f", $3/1048576}' "$1"; }
upstream() { curl -fsS "$ISSUER/testbed/stats" | json "' / '.join(str(d[k]) for k in ('jwks','introspection','userinfo'))"; }

run_wrk() {  # total exchanges; prints the SOAK summary line
  local done_dir="$WORK/done-$1" pid
  mkdir -p "$done_dir"
  SOAK_DONE_DIR="$done_dir" SOAK_PER_THREAD=$(( $1 / 2 )) wrk -t2 -c8 -d60m --timeout 10s -s "$STACK_ROOT/bench/soak.lua" \
    "$REALM/protocol/openid-connect/token" >"$WORK/wrk-$1.txt" &
  pid=$!
  while [ "$(find "$done_dir" -type f | wc -l)" -lt 2 ] && kill -0 "$pid" 2>/dev/null; do sleep 1; done
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" || true
  grep '^SOAK' "$WORK/wrk-$1.txt"
}

echo "== Fetching $USERS IdentityServer4 access tokens (password grant, users load00001..)"
python3 - "$ISSUER" "$USERS" >"$WORK/tokens" <<'PY'
import json, sys, urllib.parse, urllib.request
issuer, users = sys.argv[1], int(sys.argv[2])
for n in range(1, users + 1):
    user = f"load{n:05d}"
    form = urllib.parse.urlencode({"grant_type": "password", "client_id": "map-spa", "username": user, "password": user,
                                   "scope": "openid profile email arcgis.read"}).encode()
    with urllib.request.urlopen(issuer + "/connect/token", form) as response:
        print(json.load(response)["access_token"])
PY
export SOAK_TOKENS="$WORK/tokens"
export SOAK_BASIC; SOAK_BASIC=$(printf 'map-app:%s' "$MAP_APP_SECRET" | base64 -w0)
export SOAK_BODY="grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token_type=urn:ietf:params:oauth:token-type:access_token&subject_issuer=identityserver4&audience=arcgis-online&subject_token="

users_start=$(users); sessions_start=$(sessions); upstream_start=$(upstream)
echo "== Warm-up: $WARMUP_EXCHANGES exchanges (the first of each user creates it)"
warmup=$(run_wrk "$WARMUP_EXCHANGES"); echo "$warmup"
full_gc
histogram "$WORK/histogram-base"
users_base=$(users); sessions_base=$(sessions); rss_base=$(rss_mib); heap_base=$(live_mib "$WORK/histogram-base"); upstream_base=$(upstream)
echo "   after warm-up and a full GC: users $users_base, sessions $sessions_base, RSS $rss_base MiB, live heap $heap_base MiB"

echo "== Soak: $EXCHANGES exchanges over $USERS users, 8 connections"
soak=$(run_wrk "$EXCHANGES"); echo "$soak"
full_gc
histogram "$WORK/histogram-end"
users_end=$(users); sessions_end=$(sessions); rss_end=$(rss_mib); heap_end=$(live_mib "$WORK/histogram-end"); upstream_end=$(upstream)

responses=$(sed -n 's/.*responses=\([0-9]*\).*/\1/p' <<<"$soak")
non200=$(sed -n 's/.*non200=\([0-9]*\).*/\1/p' <<<"$soak")
growth=$(python3 -c "print(f'{($rss_end - $rss_base) * 100 / $rss_base:+.1f}')")
heap_growth=$(python3 -c "print(f'{($heap_end - $heap_base) * 100 / $heap_base:+.1f}')")
echo
echo "Machine: $(nproc) cores, $(java -version 2>&1 | head -n 1); Keycloak's heap: $(tr '\0' ' ' <"/proc/$KC_PID/cmdline" | grep -o -- '-Xms[^ ]* -Xmx[^ ]*' || echo "Keycloak's default"), touched at start."
echo "| measure | value |"
echo "|---|---|"
echo "| exchanges in the soak / non-200 | $responses / $non200 |"
echo "| throughput, p50 / p99 | $(python3 -c "import re; s='$soak'; d=dict(x.split('=') for x in s.split()[1:]); print(f\"{int(d['responses'])/float(d['seconds']):.0f} req/s, {d['p50_ms']} / {d['p99_ms']} ms\")") |"
echo "| users: before warm-up → after warm-up → after soak | $users_start → $users_base → $users_end |"
echo "| user + client sessions: before → after warm-up → after soak | $sessions_start → $sessions_base → $sessions_end |"
echo "| RSS after full GC: after warm-up → after soak | $rss_base MiB → $rss_end MiB ($growth %) |"
echo "| live heap after full GC: after warm-up → after soak | $heap_base MiB → $heap_end MiB ($heap_growth %) |"
echo "| upstream calls JWKS / introspection / userinfo: warm-up, soak | $(python3 -c "
a='$upstream_start'.split(' / '); b='$upstream_base'.split(' / '); c='$upstream_end'.split(' / ')
print(' / '.join(str(int(y)-int(x)) for x,y in zip(a,b)) + ', ' + ' / '.join(str(int(y)-int(x)) for x,y in zip(b,c)))") |"

echo
echo "Live objects that grew most during the soak (after full GCs; class, instances, KiB):"
python3 - "$WORK/histogram-base" "$WORK/histogram-end" <<'PY'
import sys
def read(path):
    rows = {}
    for line in open(path):
        parts = line.split()
        if len(parts) >= 4 and parts[0].endswith(":"):
            rows[parts[3]] = (int(parts[1]), int(parts[2]))
    return rows
base, end = read(sys.argv[1]), read(sys.argv[2])
growth = sorted(((end[c][1] - base.get(c, (0, 0))[1], end[c][0] - base.get(c, (0, 0))[0], c) for c in end), reverse=True)
for size, count, name in growth[:12]:
    print(f"  {name}  {count:+d}  {size / 1024:+.0f}")
PY
echo

fail=0
[ "$responses" -ge "$EXCHANGES" ] || { echo "FAIL: only $responses exchanges answered"; fail=1; }
[ "$non200" -eq 0 ] || { echo "FAIL: $non200 exchanges not answered 200"; fail=1; }
[ "$users_end" -eq "$users_base" ] || { echo "FAIL: users changed during the soak"; fail=1; }
[ "$sessions_end" -eq "$sessions_start" ] || { echo "FAIL: sessions changed ($sessions_start → $sessions_end)"; fail=1; }
python3 -c "import sys; sys.exit(0 if $rss_end < $rss_base * 1.10 else 1)" || { echo "FAIL: RSS grew by $growth %"; fail=1; }
[ "$fail" -eq 0 ] && echo "Soak checks passed."
exit "$fail"
