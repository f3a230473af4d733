#!/usr/bin/env bash
# npm run pulumi:dev -- <pulumi arguments>
# The Pulumi CLI on the `dev` stack, with the state `npm run deploy:dev` uses
# (./.pulumi-state, unless PULUMI_BACKEND_URL says otherwise) and passphrase
# secrets: `npm run pulumi:dev -- destroy`, `npm run pulumi:dev -- config set
# --path quorvex:workers.replicas 6`, `npm run pulumi:dev -- up`.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/pulumi-cli.sh
. scripts/lib/pulumi-cli.sh
find_pulumi_cli || exit 2

export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-state}"
mkdir -p .pulumi-state
exec "${PULUMI_CLI[@]}" "$@" --stack dev
