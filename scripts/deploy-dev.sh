#!/usr/bin/env bash
# Deploys the `dev` stack to the local Docker host, with state in a local
# directory and secrets encrypted by a passphrase: no Pulumi Cloud login.
#   PULUMI_CONFIG_PASSPHRASE=... npm run deploy:dev [-- extra pulumi up flags]
# Needs Node and Docker. The Pulumi CLI is an installed `pulumi` when there is
# one, else Pulumi's npm launcher (see scripts/lib/pulumi-cli.sh). Later
# commands on the same state: `npm run pulumi:dev -- <command>`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    echo "Set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE): it encrypts the stack's generated passwords." >&2
    exit 2
fi
[ -d node_modules ] || npm ci
# shellcheck source=scripts/lib/pulumi-cli.sh
. scripts/lib/pulumi-cli.sh
find_pulumi_cli || exit 2
docker info >/dev/null 2>&1 || { echo "No Docker engine answers (docker info failed)." >&2; exit 2; }

export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-state}"
mkdir -p .pulumi-state
"${PULUMI_CLI[@]}" stack select dev --create --secrets-provider passphrase
"${PULUMI_CLI[@]}" up --stack dev "$@"
