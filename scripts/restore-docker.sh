#!/usr/bin/env bash
# Restores a backup made by `npm run backup:docker` (or the Kubernetes CronJob,
# copied into this stack's MinIO) into the Postgres database of a Docker-host stack.
#   npm run restore:docker -- --stack dev --object postgres/20261122T031700Z.dump --yes
# The backend and the workers are stopped during the restore and started again after.
set -euo pipefail

stack=dev
bucket=quorvex-backups
object=""
yes=false
while [ $# -gt 0 ]; do
    case "$1" in
        --stack) stack="$2"; shift 2 ;;
        --bucket) bucket="$2"; shift 2 ;;
        --object) object="$2"; shift 2 ;;
        --yes) yes=true; shift ;;
        *) echo "usage: npm run restore:docker -- --object postgres/<stamp>.dump [--stack NAME] [--bucket NAME] --yes" >&2; exit 2 ;;
    esac
done
[ -n "$object" ] || { echo "--object is required (list them with: npm run backup:docker -- --list)" >&2; exit 2; }
[ "$yes" = true ] || { echo "this replaces the database of stack ${stack} with ${bucket}/${object}: add --yes" >&2; exit 2; }

postgres="quorvex-${stack}-postgres"
minio="quorvex-${stack}-minio"
mapfile -t apps < <(docker ps --format '{{.Names}}' --filter "name=^quorvex-${stack}-(backend|workers-[0-9]+)$")

# shellcheck disable=SC2016 # expanded inside the containers, on purpose
# mc reads the alias from MC_HOST_local (set by the shell, no process of its own): the
# credentials never appear on a command line.
mc='export MC_CONFIG_DIR=/tmp/.mc MC_HOST_local="http://${MINIO_ROOT_USER}:${MINIO_ROOT_PASSWORD}@127.0.0.1:9000"'

if [ "${#apps[@]}" -gt 0 ]; then docker stop "${apps[@]}" >/dev/null; fi
restart() { if [ "${#apps[@]}" -gt 0 ]; then docker start "${apps[@]}" >/dev/null; fi; }
trap restart EXIT

# shellcheck disable=SC2016
docker exec "$minio" sh -c "$mc"' && mc cat "local/$1"' sh "$bucket/$object" |
    docker exec -i "$postgres" sh -c 'pg_restore --clean --if-exists --no-owner --single-transaction -h /var/run/postgresql -U "${POSTGRES_USER}_migrate" -d "$POSTGRES_DB"'
echo "restored ${bucket}/${object} into ${postgres}"
