#!/usr/bin/env bash
# Keycloak version matrix: the provider's suites (mvn verify of provider/, the provider compiled against the root pom's
# keycloak.version) run against the Keycloak server distribution of each listed 26.x version, one version at a time, and a
# Markdown compatibility table is printed at the end.
#
#   scripts/version-matrix.sh                      # the default list below
#   scripts/version-matrix.sh 26.4.7 26.7.3        # these versions
#   scripts/version-matrix.sh --discover           # MIN_VERSION, then the newest resolving patch of each minor from its minor on
#
# Prints the table (also written to <work>/<run>/matrix.md) and exits 0 only if every version passed.
# Environment: MATRIX_WORK (scratch folder, default /var/tmp/keycloak-version-matrix), MATRIX_TESTS (surefire -Dtest
# pattern, default every provider test class), MATRIX_TIMEOUT (seconds per version, default 5400), MATRIX_KEEP=1 (keep
# each run's tree and unpacked server), MIN_VERSION (oldest supported version, default 26.7.0).
#
# Isolation, so that other builds and tests on this machine are not disturbed and do not disturb: the Keycloak test
# framework always uses localhost:8080 and :9000 and always unpacks its server under /tmp/kc-test-framework (it ignores
# java.io.tmpdir while /tmp exists). So each version's Maven runs
#   - in a network namespace of its own (only its own loopback: the ports are free, and nothing goes out),
#   - in a mount namespace of its own in which /tmp is a bind mount of that run's own folder,
#   - offline (-o), on its own copy of the working tree, taken once at the start (without .git, .local, target/ and
#     node_modules/).
# Every distribution zip is resolved first, outside the namespaces. Needs root (ip netns, mount), ip, unshare, unzip.
#
# Harness shim (applied only to servers that need it, and said in the table's notes): the 26.7.0 test framework always
# passes --shutdown-delay and --shutdown-timeout (options newer than 26.5, they only shorten a test server's stop) and
# spells SPI options --spi-<spi>--<provider>--<option> (the 26.3+ spelling). For a server without these, the run's
# bin/kc.sh drops the two shutdown options and rewrites SPI options to the --spi-<spi>-<provider>-<option> spelling that
# server reads. The server, its configuration and the provider jar are otherwise untouched.
set -uo pipefail

# The oldest supported version and the newest patch of every minor from it on that resolves from the Maven registry
# (checked 2026-11-30: 26.7.3 is the newest; no 26.6.x is served). Every 26.x before 26.7 that resolves fails at the
# first exchange: the provider calls 26.7 APIs that older servers lack. `--discover` recomputes the list;
# `scripts/version-matrix.sh 26.5.6 …` runs other versions.
DEFAULT_VERSIONS="26.7.0 26.7.3"
MIN_VERSION=${MIN_VERSION:-26.7.0}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK_BASE=${MATRIX_WORK:-/var/tmp/keycloak-version-matrix}
TESTS=${MATRIX_TESTS:-io/github/arcgisbridge/keycloak/**/*Test}
TIMEOUT=${MATRIX_TIMEOUT:-5400}
DIST_GA=org.keycloak:keycloak-quarkus-dist
REPO=${MAVEN_REPO:-$HOME/.m2/repository}

log() { echo "[version-matrix] $*" >&2; }
die() { log "$*"; exit 2; }

[ "$(id -u)" = 0 ] || die "needs root (network and mount namespaces)"
for tool in ip unshare mvn unzip tar python3 timeout; do
  command -v "$tool" >/dev/null || die "needs $tool"
done

dist_zip() { echo "$REPO/org/keycloak/keycloak-quarkus-dist/$1/keycloak-quarkus-dist-$1.zip"; }

resolve_dist() { # $1 version; 0 when the zip is in the local repository afterwards
  [ -f "$(dist_zip "$1")" ] && return 0
  mvn -B -q dependency:get -Dartifact="$DIST_GA:$1:zip" -Dtransitive=false >/dev/null 2>&1
  [ -f "$(dist_zip "$1")" ]
}

discover() { # MIN_VERSION, then the newest patch of every minor from MIN_VERSION's on that resolves, from the registry's
  # version list of the dist
  # One look-up: resolving the RELEASE meta-version makes Maven fetch the artifact's version list (maven-metadata.xml)
  # and that version's pom, nothing else. (A version range would make it read every listed version's dependency tree.)
  mvn -B -q -U dependency:get -Dartifact="$DIST_GA:RELEASE:pom" -Dtransitive=false >/dev/null 2>&1 ||
    log "could not refresh the version list of $DIST_GA; using the local copy"
  local versions
  versions=$(cat "$REPO"/org/keycloak/keycloak-quarkus-dist/maven-metadata-*.xml 2>/dev/null |
    grep -o '<version>26\.[0-9]*\.[0-9]*</version>' | sed 's/<[^>]*>//g' | sort -u -V)
  [ -n "$versions" ] || die "no version list for $DIST_GA"
  local minors minor candidate chosen list="" min_minor=${MIN_VERSION%.*}
  resolve_dist "$MIN_VERSION" && list=$MIN_VERSION
  minors=$(echo "$versions" | cut -d. -f1,2 | sort -u -V)
  for minor in $minors; do
    [ "$(printf '%s\n%s\n' "$min_minor" "$minor" | sort -V | head -1)" = "$min_minor" ] || continue
    chosen=""
    for candidate in $(echo "$versions" | grep "^${minor//./\\.}\." | sort -r -V); do
      if resolve_dist "$candidate"; then chosen=$candidate; break; fi
      log "$candidate is listed but does not resolve"
    done
    [ -n "$chosen" ] && [ "$chosen" != "$MIN_VERSION" ] && list="$list $chosen"
  done
  echo "$list"
}

main() {
versions=()
if [ "${1:-}" = "--discover" ]; then
  read -r -a versions <<<"$(discover)"
  log "discovered: ${versions[*]}"
elif [ $# -gt 0 ]; then
  versions=("$@")
else
  read -r -a versions <<<"$DEFAULT_VERSIONS"
fi
[ ${#versions[@]} -gt 0 ] || die "no versions"

WORK="$WORK_BASE/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$WORK"
NS_PREFIX="kcvm$$"
current_ns=""
cleanup() {
  if [ -n "$current_ns" ]; then
    for pid in $(ip netns pids "$current_ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$current_ns" 2>/dev/null
  fi
}
trap 'cleanup; exit 130' INT TERM
trap cleanup EXIT

matrix_started=$(date +%s)

# 1. Every distribution, outside the namespaces (they have no network).
declare -A unresolved=()
for v in "${versions[@]}"; do
  if resolve_dist "$v"; then log "$v: $(dist_zip "$v")"; else unresolved[$v]=1; log "$v: does not resolve"; fi
done

# 2. One snapshot of the working tree for every version.
tar -C "$ROOT" -cf "$WORK/tree.tar" --exclude=./.git --exclude=./.local --exclude=target --exclude=node_modules \
  --exclude=./examples/map-app/dist .
log "tree snapshot: $WORK/tree.tar"

# 3. Warm-up outside the namespaces: whatever the offline runs need from the registry (plugins, surefire's JUnit
# provider) is fetched here by a run of the pure unit tests, which start no server and open no port.
mkdir -p "$WORK/warmup" && tar -C "$WORK/warmup" -xf "$WORK/tree.tar"
if ! (cd "$WORK/warmup" && mvn -B -q -pl provider -am verify -Dkeycloak.server.version="${versions[0]}" \
      -Dtest=SubjectClaimsValidatorTest -Dsurefire.failIfNoSpecifiedTests=false >"$WORK/warmup.log" 2>&1); then
  log "warm-up build failed, see $WORK/warmup.log (the tree does not build?)"
fi
rm -rf "$WORK/warmup"

# The shim for servers older than the framework's options (see the header).
needs_shim() { # $1 unpacked home; prints the shim's variables
  local home=$1 jars drop=1 legacy=1 j
  jars=$(ls "$home"/lib/lib/main/org.keycloak.keycloak-quarkus-server-[0-9]*.jar \
    "$home"/lib/lib/main/org.keycloak.keycloak-config-api-[0-9]*.jar 2>/dev/null)
  for j in $jars; do
    unzip -p "$j" >"$home/.jar-content" 2>/dev/null
    grep -a -q -e 'shutdown-delay' "$home/.jar-content" && drop=0
    grep -a -q -e 'spi-cache-embedded--default--' "$home/.jar-content" && legacy=0
  done
  rm -f "$home/.jar-content"
  echo "$drop $legacy"
}

write_shim() { # $1 home, $2 drop shutdown options, $3 legacy SPI spelling
  mv "$1/bin/kc.sh" "$1/bin/kc.sh.orig"
  cat >"$1/bin/kc.sh" <<EOF
#!/bin/sh
# Written by scripts/version-matrix.sh for this run only: the Keycloak test framework 26.7.0 passes options this server
# predates. The original script is kc.sh.orig.
DROP_SHUTDOWN=$2
LEGACY_SPI=$3
EOF
  cat >>"$1/bin/kc.sh" <<'EOF'
for a do
  shift
  case "$a" in
    --shutdown-delay=*|--shutdown-timeout=*)
      if [ "$DROP_SHUTDOWN" = 1 ]; then echo "version-matrix shim: dropped $a"; continue; fi ;;
    --spi-*--*=*)
      if [ "$LEGACY_SPI" = 1 ]; then
        name=${a%%=*}
        value=${a#*=}
        name="--$(printf '%s' "${name#--}" | sed 's/--/-/g')"
        echo "version-matrix shim: ${a%%=*} -> $name"
        a="$name=$value"
      fi ;;
  esac
  set -- "$@" "$a"
done
exec "$(dirname "$0")/kc.sh.orig" "$@"
EOF
  chmod +x "$1/bin/kc.sh" "$1/bin/kc.sh.orig"
}

# Reads a run's surefire reports and log; prints: tests|failures|errors|skipped|first failure|servers seen
summarize() { # $1 reports dir, $2 maven log
  python3 - "$1" "$2" <<'EOF'
import glob, os, re, sys
import xml.etree.ElementTree as ET
reports, log = sys.argv[1], sys.argv[2]
tests = failures = errors = skipped = 0
messages = {}
for f in glob.glob(os.path.join(reports, "TEST-*.xml")):
    try:
        root = ET.parse(f).getroot()
    except ET.ParseError:
        continue
    for case in root.iter("testcase"):
        tests += 1
        bad = next(((k, case.find(k)) for k in ("failure", "error") if case.find(k) is not None), None)
        if bad is None:
            skipped += case.find("skipped") is not None
            continue
        failures += bad[0] == "failure"
        errors += bad[0] == "error"
        lines = (bad[1].get("message") or (bad[1].text or "")).strip().splitlines()
        typ = (bad[1].get("type") or "").rsplit(".", 1)[-1]
        messages[(case.get("classname", ""), case.get("name", ""))] = (typ + ": " if typ else "") + (lines[0] if lines else "")
first = server = ""
servers, server_errors = [], []
try:
    with open(log, errors="replace") as fh:
        for line in fh:
            m = re.search(r"Keycloak ([0-9][0-9.]*[0-9]) on JVM", line)
            if m and m.group(1) not in servers:
                servers.append(m.group(1))
            m = re.search(r"Uncaught server error: (\S+(?:: .*)?)$", line.rstrip())
            if m:
                error = m.group(1).strip()
                if error not in server_errors:
                    server_errors.append(error)
            m = re.match(r"\[ERROR\] (\S+)\.([^.\s]+(?:\(.*?\))?(?:\[\d+\])?) -- Time elapsed: .* <<< (FAILURE|ERROR)!", line)
            if m and not first:
                cls, name = m.group(1), m.group(2)
                first = f"{cls.rsplit('.', 1)[-1]}.{name}: {messages.get((cls, name), '')}"
except OSError:
    pass
if not first and messages:
    (cls, name), message = next(iter(messages.items()))
    first = f"{cls.rsplit('.', 1)[-1]}.{name}: {message}"
def cut(text, n):
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= n else text[: n - 3] + "..."
note = cut(first, 260)
if server_errors:
    more = f" (+{len(server_errors) - 1} other)" if len(server_errors) > 1 else ""
    note += "; server: " + cut(server_errors[0], 200) + more
print(f"{tests}|{failures}|{errors}|{skipped}|{note}|{' '.join(servers)}")
EOF
}

fmt_duration() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

rows=()
failed_versions=0
index=0
for v in "${versions[@]}"; do
  index=$((index + 1))
  if [ -n "${unresolved[$v]:-}" ]; then
    rows+=("| $v | not run | – | the distribution zip does not resolve from the Maven registry |")
    printf '%s\n' "${rows[-1]}" >>"$WORK/rows.md"
    continue
  fi
  run="$WORK/$index-$v"
  mkdir -p "$run/tree" "$run/tmp/kc-test-framework/keycloak"
  tar -C "$run/tree" -xf "$WORK/tree.tar"

  # The server is unpacked here, as the framework would, so that the shim can be put in; the framework re-uses an
  # installation whose zip-last-modified matches the zip.
  zip=$(dist_zip "$v")
  unzip -q "$zip" -d "$run/tmp/kc-test-framework/keycloak"
  home=$(ls -d "$run"/tmp/kc-test-framework/keycloak/*/ | head -1)
  home=${home%/}
  date -r "$zip" +%s%3N | tr -d '\n' >"$home/zip-last-modified"
  notes=()
  read -r drop legacy <<<"$(needs_shim "$home")"
  if [ "$drop" = 1 ] || [ "$legacy" = 1 ]; then
    write_shim "$home" "$drop" "$legacy"
    shim=()
    [ "$drop" = 1 ] && shim+=("--shutdown-delay/--shutdown-timeout dropped")
    [ "$legacy" = 1 ] && shim+=("SPI options in the pre-26.3 spelling")
    notes+=("shim: $(IFS=','; echo "${shim[*]}" | sed 's/,/, /g')")
  fi

  current_ns="${NS_PREFIX}-$index"
  ip netns add "$current_ns" || die "ip netns add $current_ns failed"
  ip netns exec "$current_ns" ip link set lo up
  log "$v: running (namespace $current_ns, log $run/mvn.log)"
  started=$(date +%s)
  timeout --signal=TERM --kill-after=60 "$TIMEOUT" \
    ip netns exec "$current_ns" unshare --mount --propagation private \
    sh -c 'mount --bind "$1" /tmp && cd "$2" && shift 2 && exec "$@"' sh "$run/tmp" "$run/tree" \
    env TMPDIR=/tmp mvn -B -o -pl provider -am verify -Djava.io.tmpdir=/tmp -Dkeycloak.server.version="$v" \
    -Dtest="$TESTS" -Dsurefire.failIfNoSpecifiedTests=false >"$run/mvn.log" 2>&1
  status=$?
  elapsed=$(($(date +%s) - started))
  cleanup
  current_ns=""

  mkdir -p "$run/surefire-reports"
  cp "$run"/tree/provider/target/surefire-reports/*.xml "$run/surefire-reports/" 2>/dev/null
  IFS='|' read -r tests failures errors skipped first servers <<<"$(summarize "$run/surefire-reports" "$run/mvn.log")"
  passed=$((tests - failures - errors - skipped))
  if [ "$tests" = 0 ]; then
    result="no tests ran"
    cause=$(grep -m1 -E '^\[ERROR\] (Failed to execute goal|COMPILATION ERROR|.*\.java:\[)' "$run/mvn.log" | cut -c1-300 |
      sed 's/|/\\|/g')
    notes+=("build failed: ${cause:-see mvn.log}")
  else
    result="$passed passed, $failures failed, $errors errored"
    [ "$skipped" != 0 ] && result="$result, $skipped skipped"
    if [ "$failures" = 0 ] && [ "$errors" = 0 ] && [ "$status" = 0 ]; then result="✅ $result"; else result="❌ $result"; fi
    [ -n "$first" ] && notes+=("first: $first")
  fi
  [ "$status" = 124 ] && notes+=("stopped after ${TIMEOUT}s")
  [ "$status" = 0 ] && [ "$failures" = 0 ] && [ "$errors" = 0 ] && [ "$tests" != 0 ] || failed_versions=$((failed_versions + 1))
  if [ -n "$servers" ] && [ "$servers" != "$v" ]; then notes+=("server(s) that started: $servers"); fi
  [ -z "$servers" ] && [ "$tests" != 0 ] && notes+=("no Keycloak server start seen in the log")
  note=""
  for n in "${notes[@]}"; do note="${note:+$note; }$n"; done
  rows+=("| $v | $result | $(fmt_duration "$elapsed") | ${note:-–} |")
  printf '%s\n' "${rows[-1]}" >>"$WORK/rows.md"
  log "$v: $result in $(fmt_duration "$elapsed") (exit $status)"

  if [ "${MATRIX_KEEP:-0}" != 1 ]; then rm -rf "$run/tree" "$run/tmp"; fi
done

total=$(($(date +%s) - matrix_started))
{
  echo "Provider compiled against Keycloak $(sed -n 's:.*<keycloak.version>\(.*\)</keycloak.version>.*:\1:p' "$ROOT/pom.xml" | head -1); suites: \`mvn -B -o -pl provider -am verify -Dkeycloak.server.version=<version>\` (tests \`$TESTS\`)."
  echo
  echo "| Keycloak server | result (tests) | duration | notes |"
  echo "|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Whole matrix: $(fmt_duration "$total") on $(nproc) cores, $(date -u +%Y-%m-%d). Logs and reports: $WORK"
} | tee "$WORK/matrix.md"
rm -f "$WORK/tree.tar"
# Exit status: 0 when every listed version passed, else 1 (a version that does not resolve counts as failed).
[ "$failed_versions" = 0 ] && [ ${#unresolved[@]} = 0 ]
}

# The whole run is one function, read before it starts: editing this file during a run cannot change that run.
main "$@"
exit $?
