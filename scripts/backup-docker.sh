#!/usr/bin/env bash
# Backs up the Postgres database of a Docker-host stack into its MinIO backup bucket.
#   npm run backup:docker -- [--stack dev] [--bucket quorvex-backups]
#   npm run backup:docker -- --list
# pg_dump runs inside the Postgres container (trusted local socket) and the dump
# streams straight into `mc pipe` inside the MinIO container: no password is
# typed, printed, or passed on a command line. Objects expire after
# quorvex:backup.retentionDays (the bucket's lifecycle rule).
set -euo pipefail

stack=dev
bucket=quorvex-backups
list=false
while [ $# -gt 0 ]; do
    case "$1" in
        --stack) stack="$2"; shift 2 ;;
        --bucket) bucket="$2"; shift 2 ;;
        --list) list=true; shift ;;
        *) echo "usage: npm run backup:docker -- [--stack NAME] [--bucket NAME] [--list]" >&2; exit 2 ;;
    esac
done

postgres="quorvex-${stack}-postgres"
minio="quorvex-${stack}-minio"
for c in "$postgres" "$minio"; do
    docker inspect --format '{{.State.Running}}' "$c" 2>/dev/null | grep -qx true || { echo "container $c is not running (stack $stack deployed?)" >&2; exit 1; }
done

# shellcheck disable=SC2016 # expanded inside the containers, on purpose
# mc reads the alias from MC_HOST_local (set by the shell, no process of its own): the
# credentials never appear on a command line.
mc='export MC_CONFIG_DIR=/tmp/.mc MC_HOST_local="http://${MINIO_ROOT_USER}:${MINIO_ROOT_PASSWORD}@127.0.0.1:9000"'

if [ "$list" = true ]; then
    docker exec "$minio" sh -c "$mc"' && mc ls --recursive "local/$1/postgres/"' sh "$bucket"
    exit 0
fi

object="postgres/$(date -u +%Y%m%dT%H%M%SZ).dump"
# shellcheck disable=SC2016
docker exec "$postgres" sh -c 'pg_dump --format=custom --no-owner -h /var/run/postgresql -U "$POSTGRES_USER" -d "$POSTGRES_DB"' |
    docker exec -i "$minio" sh -c "$mc"' && mc pipe --quiet "local/$1"' sh "$bucket/$object"
echo "backed up ${postgres} to ${bucket}/${object}"
