#!/usr/bin/env bash
# Builds local stand-ins for the images docker-compose.yml names, for machines that reach no container registry
# (ours: Debian packages and Maven only). They are named as what they are, never tagged as the official images:
#
#   arcgis-bridge-standin/jre:17             Debian bookworm (debootstrap) + openjdk-17-jre-headless: the testbed's
#                                            base (instead of eclipse-temurin:17-jre) and the Keycloak stand-in's
#   arcgis-bridge-standin/keycloak:<version> quay.io/keycloak/keycloak:<version>'s layout, from the distribution zip
#                                            (org.keycloak:keycloak-quarkus-dist through Maven): /opt/keycloak owned by
#                                            uid 1000 gid 0, USER 1000, ENTRYPOINT kc.sh, KC_RUN_IN_CONTAINER=true
#   arcgis-bridge-standin/postgres:15        Debian's postgresql-15 with an entrypoint honouring POSTGRES_USER,
#                                            POSTGRES_PASSWORD(_FILE) and POSTGRES_DB (instead of postgres:16; Debian 12
#                                            has 15)
#
#   docker/build-standin-images.sh            prints the three image names as NAME=value lines at the end
#
# Each image carries a label with a hash of its inputs (package list; Dockerfile, entrypoint, this script, base image,
# distribution checksum); an image whose label matches is kept, so a warm machine rebuilds nothing, and a superseded
# image is removed. STANDIN_REBUILD=1 rebuilds all.
# Environment: DEBIAN_MIRROR (default: the Debian archive the machine's apt sources name), DEBIAN_SUITE (bookworm),
# KEYCLOAK_VERSION (default: keycloak.version in pom.xml), MVN_OFFLINE=0 to let Maven go online for the zip, DOCKER.
# Needs root (debootstrap), debootstrap, a running Docker engine, Maven. About 1-2 minutes cold, 1 s warm.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE="$ROOT/docker/standin"
DOCKER=${DOCKER:-docker}
SUITE=${DEBIAN_SUITE:-bookworm}
KEYCLOAK_VERSION=${KEYCLOAK_VERSION:-$(sed -n 's:.*<keycloak.version>\(.*\)</keycloak.version>.*:\1:p' "$ROOT/pom.xml" | head -n 1)}
LABEL=io.github.arcgisbridge.standin.inputs
JRE_IMAGE=arcgis-bridge-standin/jre:17
KEYCLOAK_IMAGE=arcgis-bridge-standin/keycloak:$KEYCLOAK_VERSION
POSTGRES_ROOTFS_IMAGE=arcgis-bridge-standin/postgres-rootfs:15
POSTGRES_IMAGE=arcgis-bridge-standin/postgres:15
# What each root file system holds. Everything a Dockerfile needs at build time must be here: a build cannot fetch
# packages (no registry, and the containers have no route out when the engine runs without NAT).
JRE_PACKAGES=openjdk-17-jre-headless,ca-certificates,passwd
POSTGRES_PACKAGES=postgresql-15,passwd

log() { printf '[standin %s] %s\n' "$(date +%T)" "$*"; }

if [ -z "${DEBIAN_MIRROR:-}" ]; then
  # shellcheck disable=SC2016 # apt's format fields, not shell
  DEBIAN_MIRROR=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null | awk -v s="$SUITE" '$2 == s { print $1; exit }')
  DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian/}
fi
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/arcgis-bridge-standin.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

hash_of() { cat "$@" | sha256sum | cut -c1-16; }
label_of() { $DOCKER image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null || true; }
is_current() { # IMAGE HASH
  if [ "${STANDIN_REBUILD:-0}" != 1 ] && [ "$(label_of "$1")" = "$2" ]; then
    log "$1 is up to date (cached)"
    return 0
  fi
  return 1
}

# rootfs IMAGE PACKAGES HASH: debootstrap (minbase) a Debian tree with PACKAGES and import it as IMAGE.
rootfs() {
  local image=$1 packages=$2 hash=$3 dir="$WORK/rootfs-${1//[\/:]/-}" started=$SECONDS
  log "debootstrap $SUITE ($packages) from $DEBIAN_MIRROR for $image"
  if ! debootstrap --variant=minbase --include="$packages" "$SUITE" "$dir" "$DEBIAN_MIRROR" >"$dir.log" 2>&1; then
    tail -n 30 "$dir.log" >&2
    echo "debootstrap failed for $image (full log above)" >&2
    return 1
  fi
  # Smaller images: no package caches, no default PostgreSQL cluster (the entrypoint makes one in the volume).
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/var/lib/postgresql/*/main "$dir"/etc/postgresql/*/main \
    "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/*
  local old
  old=$($DOCKER image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
  tar -C "$dir" -c . | $DOCKER import --change "LABEL $LABEL=$hash" --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
  rm -rf "$dir"
  [ -z "$old" ] || $DOCKER image rm "$old" >/dev/null 2>&1 || true
  log "$image imported in $((SECONDS - started)) s"
}

jre_hash=$(printf '%s %s %s\n' "$SUITE" "$JRE_PACKAGES" v1 | sha256sum | cut -c1-16)
postgres_rootfs_hash=$(printf '%s %s %s\n' "$SUITE" "$POSTGRES_PACKAGES" v1 | sha256sum | cut -c1-16)

# The two root file systems are independent: build them in parallel (each about 45-60 s, mostly downloads).
pids=()
is_current "$JRE_IMAGE" "$jre_hash" || { rootfs "$JRE_IMAGE" "$JRE_PACKAGES" "$jre_hash" & pids+=($!); }
is_current "$POSTGRES_ROOTFS_IMAGE" "$postgres_rootfs_hash" || { rootfs "$POSTGRES_ROOTFS_IMAGE" "$POSTGRES_PACKAGES" "$postgres_rootfs_hash" & pids+=($!); }
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ $failed = 0 ] || { echo "A stand-in root file system could not be built." >&2; exit 1; }

# build IMAGE HASH CONTEXT BUILD-ARGS...: docker build with the inputs label.
build() {
  local image=$1 hash=$2 context=$3 started=$SECONDS old
  shift 3
  old=$($DOCKER image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
  log "docker build $image"
  # The legacy builder (Debian's client has no buildx); it warns that it is deprecated, and works.
  DOCKER_BUILDKIT=0 $DOCKER build -q --label "$LABEL=$hash" "$@" -t "$image" "$context" >/dev/null
  # The image it replaces, unless a container still uses it.
  [ -z "$old" ] || [ "$old" = "$($DOCKER image inspect -f '{{.Id}}' "$image")" ] || $DOCKER image rm "$old" >/dev/null 2>&1 || true
  log "$image built in $((SECONDS - started)) s"
}

postgres_hash=$(hash_of "$0" "$HERE/postgres/Dockerfile" "$HERE/postgres/docker-entrypoint.sh" <(label_of "$POSTGRES_ROOTFS_IMAGE"))
is_current "$POSTGRES_IMAGE" "$postgres_hash" ||
  build "$POSTGRES_IMAGE" "$postgres_hash" "$HERE/postgres" --build-arg "BASE_IMAGE=$POSTGRES_ROOTFS_IMAGE"

# Keycloak: the distribution zip through Maven (the local repository; online only when MVN_OFFLINE=0 or it is missing).
zip_sha1="$HOME/.m2/repository/org/keycloak/keycloak-quarkus-dist/$KEYCLOAK_VERSION/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip.sha1"
keycloak_hash=$(hash_of "$0" "$HERE/keycloak/Dockerfile" <(echo "$KEYCLOAK_VERSION") <(cat "$zip_sha1" 2>/dev/null) <(label_of "$JRE_IMAGE"))
if ! is_current "$KEYCLOAK_IMAGE" "$keycloak_hash"; then
  offline=(-o)
  [ "${MVN_OFFLINE:-1}" = 0 ] && offline=()
  log "Keycloak $KEYCLOAK_VERSION distribution through Maven"
  fetch_zip() { mvn -B "$@" dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" \
    -DoutputDirectory="$WORK/keycloak" >"$WORK/mvn.log" 2>&1; }
  if ! fetch_zip "${offline[@]}" && ! fetch_zip; then
    tail -n 30 "$WORK/mvn.log" >&2
    echo "Maven could not fetch org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" >&2
    exit 1
  fi
  unzip -q "$WORK/keycloak/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip" -d "$WORK/keycloak"
  rm "$WORK/keycloak/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
  # Group-writable as in the official image (which runs chmod -R g+rwX); done here, not in a RUN layer, so that the
  # image holds the distribution once.
  # data/ as in the official image: Keycloak writes its transaction logs there (without it, a volume mounted at
  # data/import makes the engine create data/ owned by root, and every start waits 30 s on Narayana's recovery).
  mkdir -p "$WORK/keycloak/keycloak-$KEYCLOAK_VERSION/data"
  chmod -R g+rwX "$WORK/keycloak/keycloak-$KEYCLOAK_VERSION"
  cp "$HERE/keycloak/Dockerfile" "$WORK/keycloak/"
  # The hash again, now that Maven has certainly put the zip's checksum into the local repository.
  keycloak_hash=$(hash_of "$0" "$HERE/keycloak/Dockerfile" <(echo "$KEYCLOAK_VERSION") <(cat "$zip_sha1" 2>/dev/null) <(label_of "$JRE_IMAGE"))
  build "$KEYCLOAK_IMAGE" "$keycloak_hash" "$WORK/keycloak" --build-arg "BASE_IMAGE=$JRE_IMAGE" \
    --build-arg "KEYCLOAK_VERSION=$KEYCLOAK_VERSION"
fi

echo "JRE_IMAGE=$JRE_IMAGE"
echo "KEYCLOAK_IMAGE=$KEYCLOAK_IMAGE"
echo "POSTGRES_IMAGE=$POSTGRES_IMAGE"
