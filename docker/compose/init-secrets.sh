#!/bin/sh
# docker-compose.yml's one-shot "init" service (runs as root, before everything else). Nothing in the repository holds
# a secret that a running stack accepts: this script generates every secret on the first 'up' into the named volume
# "secrets" and keeps them until 'down -v'. Each file is readable only by the user of the service that needs it.
#
#   /secrets/postgres-password                          PostgreSQL's keycloak user           (postgres, uid 999)
#   /secrets/keycloak/keycloak.conf                     Keycloak's db-password and bootstrap admin (Keycloak, uid 1000)
#   /secrets/keycloak/admin-password                    the bootstrap admin's password, for kcadm.sh (uid 1000)
#   /secrets/keycloak/vault/arcgis_<key>                Keycloak's file vault for realm arcgis: the realm export's
#                                                       ${vault.<key>} (no trailing newline)      (uid 1000)
#   /secrets/identityserver4/{broker-client,api}-secret the testbed issuer's side of two of them  (testbed, uid 10001)
#   /secrets/portal/arcgis-client-secret                the emulated portal's side of the third   (uid 10001)
#   /secrets/portal/arcgis-online-client-secret         written later by arcgis-login.sh: the secret Keycloak generated
#                                                       for client arcgis-online on import
#
# It also writes the realm export, with the testbed URLs moved to the ports chosen for this stack (ISSUER_PORT,
# PORTAL_PORT, MAP_APP_PORT), into the volume "realm-import" that Keycloak imports from. The export itself ships no
# client secret: Keycloak generates those for map-app and arcgis-online on import.
# KEYCLOAK_ADMIN_PASSWORD, when set on the first 'up', is the admin's password instead of a generated one.
set -eu
umask 077

random() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

# secret FILE UID: FILE keeps its value (generated once) and is owned by UID, mode 0400.
secret() {
  if [ ! -s "$1" ]; then
    random >"$1.tmp"
    mv "$1.tmp" "$1"
  fi
  chown "$2" "$1"
  chmod 0400 "$1"
}

# copy SOURCE FILE UID: FILE holds SOURCE's value, owned by UID, mode 0400.
copy() {
  cat "$1" >"$2.tmp"
  mv "$2.tmp" "$2"
  chown "$3" "$2"
  chmod 0400 "$2"
}

cd /secrets
mkdir -p generated keycloak/vault identityserver4 portal
chmod 0700 generated
chmod 0711 . keycloak keycloak/vault identityserver4 portal

# The values, kept by root only; the services get copies owned by their own users.
secret generated/postgres-password 0
secret generated/identityserver4-client-secret 0
secret generated/identityserver4-api-secret 0
secret generated/arcgis-client-secret 0
if [ ! -s generated/admin-password ] && [ -n "${KEYCLOAK_ADMIN_PASSWORD:-}" ]; then
  printf '%s' "$KEYCLOAK_ADMIN_PASSWORD" >generated/admin-password
fi
secret generated/admin-password 0

copy generated/postgres-password postgres-password 999
for key in identityserver4-client-secret identityserver4-api-secret arcgis-client-secret; do
  copy "generated/$key" "keycloak/vault/arcgis_$key" 1000
done
copy generated/admin-password keycloak/admin-password 1000
printf 'db-password=%s\nbootstrap-admin-username=admin\nbootstrap-admin-password=%s\n' \
  "$(cat generated/postgres-password)" "$(cat generated/admin-password)" >keycloak/keycloak.conf.tmp
mv keycloak/keycloak.conf.tmp keycloak/keycloak.conf
chown 1000 keycloak/keycloak.conf
chmod 0400 keycloak/keycloak.conf
copy generated/identityserver4-client-secret identityserver4/broker-client-secret 10001
copy generated/identityserver4-api-secret identityserver4/api-secret 10001
copy generated/arcgis-client-secret portal/arcgis-client-secret 10001

# The realm export with this stack's ports (its own URLs name 5000, 8090 and 8081).
umask 022
sed -e "s#http://localhost:5000#http://localhost:${ISSUER_PORT:-5000}#g" \
    -e "s#http://localhost:8090#http://localhost:${PORTAL_PORT:-8090}#g" \
    -e "s#http://localhost:8081#http://localhost:${MAP_APP_PORT:-8081}#g" \
    /realm-export/arcgis-realm.json >/realm-import/arcgis-realm.json.tmp
mv /realm-import/arcgis-realm.json.tmp /realm-import/arcgis-realm.json
chmod 0444 /realm-import/arcgis-realm.json
echo "Secrets ready in the volume (generated on the first start, kept until 'down -v'); realm export written for" \
  "issuer port ${ISSUER_PORT:-5000}, portal port ${PORTAL_PORT:-8090}, map app port ${MAP_APP_PORT:-8081}."
