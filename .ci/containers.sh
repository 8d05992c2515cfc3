#!/usr/bin/env bash
# CI: the provider deployed the way people deploy it (issue 11, items 1 and 2), on a Docker engine this script starts.
#
#   .ci/containers.sh          about 5-6 minutes on a fresh machine (packages, images), about 4 when the images are cached
#
#   1. Docker engine: .ci/docker-engine.sh start (Debian's docker.io, docker-compose, debootstrap installed when
#      missing). When no engine can be started, it says so loudly, prints a SKIPPED line and exits 0, so that the rest of
#      CI still runs (CONTAINERS_REQUIRED=1 makes it a failure instead). The engine is stopped at the end, whatever
#      happens (only if this script started it).
#   2. Stand-in images (docker/build-standin-images.sh): Keycloak from the distribution zip, PostgreSQL 15 and a JRE,
#      on Debian made with debootstrap; cached in the engine between runs, rebuilt when their inputs change.
#   3. The provider jar and the testbed (mvn -o -DskipTests package; CONTAINERS_SKIP_BUILD=1 uses what is built).
#   4. docker-compose.yml, unchanged, up with the stand-ins, healthy, the README's exchange, down -v (.ci/compose-check.sh).
#   5. The Testcontainers test (deployment-tests/, KeycloakContainerDeploymentTest) against the stand-in Keycloak image.
#
# Steps 4 and 5 both run even if one fails; the exit status is 1 if any step failed. MVN_OFFLINE=0 lets Maven go online.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
started=$SECONDS
offline=(-o)
[ "${MVN_OFFLINE:-1}" = 0 ] && offline=()
mkdir -p target
summary=()
failed=0

banner() { printf '\n==== [containers %s] %s\n' "$(date +%T)" "$*"; }
# step NAME COMMAND...: runs, times and records one step.
step() {
  local name=$1 begin=$SECONDS status
  shift
  banner "$name"
  "$@"
  status=$?
  if [ $status = 0 ]; then
    summary+=("$(printf '%-28s passed  %4d s' "$name" $((SECONDS - begin)))")
  else
    summary+=("$(printf '%-28s FAILED  %4d s (exit %d)' "$name" $((SECONDS - begin)) $status)")
    failed=1
  fi
  return $status
}
report() {
  banner "Summary"
  printf '  %s\n' "${summary[@]}"
}

banner "Containers (issue 11): docker-compose brought up for real, and the jar in the Keycloak image with Testcontainers"
if ! step "Docker engine" .ci/docker-engine.sh start; then
  if [ "${CONTAINERS_REQUIRED:-0}" = 1 ]; then
    report
    echo "CONTAINERS FAILED (no Docker engine, and CONTAINERS_REQUIRED=1) after $((SECONDS - started)) s"
    exit 1
  fi
  cat <<EOF

################################################################################################################
##  SKIPPED: no Docker engine could be started on this machine (the reason is above). docker-compose.yml and the
##  Testcontainers deployment test did NOT run. The rest of CI is unaffected.
################################################################################################################
EOF
  echo "CONTAINERS SKIPPED (no Docker engine) after $((SECONDS - started)) s"
  exit 0
fi
trap '.ci/docker-engine.sh stop' EXIT
trap 'exit 130' INT TERM

images_out=target/standin-images.env
# shellcheck disable=SC2016 # $0 is the inner shell's
if ! step "Stand-in images" bash -c 'set -o pipefail; docker/build-standin-images.sh | tee "$0"' "$images_out"; then
  report
  echo "CONTAINERS FAILED (stand-in images) after $((SECONDS - started)) s"
  exit 1
fi
# JRE_IMAGE, KEYCLOAK_IMAGE, POSTGRES_IMAGE, as the build script names them.
while IFS= read -r line; do
  [[ $line =~ ^(JRE|KEYCLOAK|POSTGRES)_IMAGE=[A-Za-z0-9./:_-]+$ ]] && export "${line?}"
done <"$images_out"

if [ "${CONTAINERS_SKIP_BUILD:-0}" != 1 ]; then
  if ! step "Provider jar and testbed" mvn -B -q "${offline[@]}" -DskipTests package -pl testbed,provider; then
    report
    echo "CONTAINERS FAILED (build) after $((SECONDS - started)) s"
    exit 1
  fi
fi

step "docker-compose" .ci/compose-check.sh
step "Testcontainers" mvn -B "${offline[@]}" -Pcontainer-tests -pl deployment-tests -am verify \
  -Dtest=KeycloakContainerDeploymentTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dkeycloak.container.image="$KEYCLOAK_IMAGE"

report
if [ $failed = 0 ]; then
  echo "CONTAINERS PASSED in $((SECONDS - started)) s (docker-compose up healthy and the exchange answered by the composed Keycloak; Testcontainers test passed)"
else
  echo "CONTAINERS FAILED after $((SECONDS - started)) s"
fi
exit $failed
