#!/bin/bash
# The part of the official postgres image's entrypoint this project relies on: on the first start (empty $PGDATA) an
# initdb with superuser POSTGRES_USER (default postgres) and password POSTGRES_PASSWORD, or read from the file named by
# POSTGRES_PASSWORD_FILE, password authentication (scram-sha-256) for TCP connections, and a database POSTGRES_DB
# (default: the user's name); then the command ("postgres ...") runs as the postgres user, as PID 1.
set -euo pipefail

if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi
if [ "$1" != postgres ]; then
  exec "$@"
fi

if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    echo "Set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE, not both." >&2
    exit 1
  fi
  POSTGRES_PASSWORD=$(<"$POSTGRES_PASSWORD_FILE")
fi
POSTGRES_USER=${POSTGRES_USER:-postgres}
POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
as_postgres=()
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "The database is uninitialized: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE." >&2
    exit 1
  fi
  pwfile=$(mktemp)
  printf '%s' "$POSTGRES_PASSWORD" >"$pwfile"
  [ "$(id -u)" = 0 ] && chown postgres "$pwfile"
  "${as_postgres[@]}" initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
  rm -f "$pwfile"
  # As the official image: password authentication from any address (listen_addresses limits who can connect).
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    "${as_postgres[@]}" pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" start >/dev/null
    "${as_postgres[@]}" psql -v ON_ERROR_STOP=1 -q -h /var/run/postgresql -U "$POSTGRES_USER" -d postgres \
      -c "CREATE DATABASE \"$POSTGRES_DB\""
    "${as_postgres[@]}" pg_ctl -D "$PGDATA" -w -m fast stop >/dev/null
  fi
  echo "PostgreSQL initialised: database $POSTGRES_DB, user $POSTGRES_USER"
fi
unset POSTGRES_PASSWORD
exec "${as_postgres[@]}" "$@"
