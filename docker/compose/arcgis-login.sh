#!/bin/bash
# docker-compose.yml's one-shot "arcgis-login" service (the Keycloak image, as root, once Keycloak is healthy): what an
# ArcGIS administrator does when entering Keycloak's values in ArcGIS's "OpenID Connect login" form. It reads the
# secret Keycloak generated for client arcgis-online on import (kcadm.sh, as the bootstrap admin) and hands it to the
# emulated portal (/secrets/portal/arcgis-online-client-secret, owned by the testbed's uid 10001, mode 0400).
set -euo pipefail
kcadm=(/opt/keycloak/bin/kcadm.sh)
config=$(mktemp)
trap 'rm -f "$config"' EXIT
"${kcadm[@]}" config credentials --config "$config" --server "http://127.0.0.1:${KC_PORT:-8080}" --realm master \
  --user admin --password "$(cat /secrets/keycloak/admin-password)" >/dev/null
id=$("${kcadm[@]}" get clients --config "$config" -r arcgis -q clientId=arcgis-online --fields id --format csv --noquotes)
[ -n "$id" ] || { echo "Client arcgis-online not found in realm arcgis." >&2; exit 1; }
umask 077
"${kcadm[@]}" get "clients/$id/client-secret" --config "$config" -r arcgis --fields value --format csv --noquotes |
  tr -d '\n' >/secrets/portal/arcgis-online-client-secret.tmp
[ -s /secrets/portal/arcgis-online-client-secret.tmp ] || { echo "Keycloak returned no secret for arcgis-online." >&2; exit 1; }
chown 10001 /secrets/portal/arcgis-online-client-secret.tmp
chmod 0400 /secrets/portal/arcgis-online-client-secret.tmp
mv /secrets/portal/arcgis-online-client-secret.tmp /secrets/portal/arcgis-online-client-secret
echo "The portal's OpenID Connect login has the secret of Keycloak's client arcgis-online."
