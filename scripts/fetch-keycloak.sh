#!/usr/bin/env bash
# Unpacks the Keycloak distribution of the given version into DIR/keycloak-VERSION, through Maven (the only registry
# our machines reach), unless it is there already. Used by scripts/stack.sh (run-local.sh, bench/, cluster/).
#   scripts/fetch-keycloak.sh DIR VERSION        MVN_OFFLINE=1: Maven in offline mode (the local repository only)
set -euo pipefail
DIR=$1
VERSION=$2
HOME_DIR="$DIR/keycloak-$VERSION"
[ -x "$HOME_DIR/bin/kc.sh" ] && exit 0
printf '\n== %s\n' "Fetching Keycloak $VERSION through Maven"
mkdir -p "$DIR"
offline=()
[ "${MVN_OFFLINE:-0}" = 1 ] && offline=(-o)
mvn -B -q -Dstyle.color=never "${offline[@]}" dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$VERSION:zip" -DoutputDirectory="$DIR"
rm -rf "$HOME_DIR.tmp"
mkdir -p "$HOME_DIR.tmp"
unzip -q -o "$DIR/keycloak-quarkus-dist-$VERSION.zip" -d "$HOME_DIR.tmp"
rm -f "$DIR/keycloak-quarkus-dist-$VERSION.zip"
# Moved into place only when complete, so an interrupted fetch is never taken for a distribution.
mv "$HOME_DIR.tmp/keycloak-$VERSION" "$HOME_DIR"
rm -rf "$HOME_DIR.tmp"
