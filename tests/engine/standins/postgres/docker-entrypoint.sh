#!/bin/sh
# The stand-in's entrypoint, written to the official image's documented
# behaviour: as root it prepares PGDATA and the socket folder and drops to the
# postgres user; on an empty PGDATA it creates the cluster with POSTGRES_USER
# and the password from POSTGRES_PASSWORD (or the file POSTGRES_PASSWORD_FILE
# names), makes POSTGRES_DB, and lets every address in with scram-sha-256.
# The first-run server listens on the socket only, as the official one does.
set -eu
if [ "${1:-}" = postgres ] && [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
    chown postgres:postgres /var/run/postgresql
    chmod 700 "$PGDATA"
    exec gosu postgres "$0" "$@"
fi
if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
    password="${POSTGRES_PASSWORD:-}"
    if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then password="$(cat "$POSTGRES_PASSWORD_FILE")"; fi
    [ -n "$password" ] || { echo "docker-entrypoint.sh: POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) is not set" >&2; exit 1; }
    user="${POSTGRES_USER:-postgres}"
    db="${POSTGRES_DB:-$user}"
    pwfile="$(mktemp)"
    printf '%s\n' "$password" > "$pwfile"
    initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
    if [ "$db" != postgres ]; then
        pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -k /var/run/postgresql" -w start >/dev/null
        printf 'CREATE DATABASE :"db";\n' | psql -v ON_ERROR_STOP=1 -v db="$db" -q -h /var/run/postgresql -U "$user" -d postgres
        pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    fi
    echo "docker-entrypoint.sh: initialised $PGDATA"
fi
exec "$@"
