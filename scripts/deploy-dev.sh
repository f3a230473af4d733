#!/usr/bin/env bash
# Deploys the `dev` stack to the local Docker host, with state in a local
# directory and secrets encrypted by a passphrase: no Pulumi Cloud login.
#   export PULUMI_CONFIG_PASSPHRASE=...; npm run deploy:dev [-- extra pulumi up flags]
# Needs Node and Docker. The Pulumi CLI is an installed `pulumi` when there is
# one, else Pulumi's npm launcher (see scripts/lib/pulumi-cli.sh). Later
# commands on the same state and config: `npm run pulumi:dev -- <command>`.
#
# The first deploy makes the stack's local config (.pulumi-state/Pulumi.dev.yaml)
# from Pulumi.dev.yaml, with this Docker host's CPUs and memory
# (quorvex:docker.hostCpus, hostMemory), so no limit asks for more than the host
# has. Without a terminal (CI, an IDE task) it deploys without asking (--yes).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/dev-stack.sh
. scripts/lib/dev-stack.sh
need_passphrase
[ -d node_modules ] || npm ci
# shellcheck source=scripts/lib/pulumi-cli.sh
. scripts/lib/pulumi-cli.sh
find_pulumi_cli || exit 2
docker info >/dev/null 2>&1 || { echo "No Docker engine answers (docker info failed)." >&2; exit 2; }
mkdir -p "$DEV_STATE"

if [ ! -f "$DEV_CONFIG" ]; then
    # The stack is created from a copy of the project file, so its encryption salt lands in
    # that folder's stack file (taken from there into the local config), never in the tracked one.
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    cp Pulumi.yaml "$scratch/"
    "${PULUMI_CLI[@]}" stack select dev --create --secrets-provider passphrase --cwd "$scratch"
    {
        cat Pulumi.dev.yaml
        # A stack made before this local config kept its salt in the tracked file.
        cat "$scratch/Pulumi.dev.yaml" Pulumi.dev.yaml 2>/dev/null | grep -m1 '^encryptionsalt:' || true
    } > "$DEV_CONFIG.tmp"
    mv "$DEV_CONFIG.tmp" "$DEV_CONFIG"
    read -r cpus bytes < <(docker info --format '{{.NCPU}} {{.MemTotal}}')
    "${PULUMI_CLI[@]}" config set --path quorvex:docker.hostCpus "$cpus" --config-file "$DEV_CONFIG" --stack dev
    "${PULUMI_CLI[@]}" config set --path quorvex:docker.hostMemory "$((bytes / 1048576))Mi" --config-file "$DEV_CONFIG" --stack dev
    # Engines of API 1.44 on (Docker 25) check a starting container often: each wait of `up` ends sooner.
    api="$(docker version --format '{{.Server.APIVersion}}' 2>/dev/null || true)"
    if [ "$(printf '%s\n' 1.44 "$api" | sort -V | head -n1)" = 1.44 ]; then
        "${PULUMI_CLI[@]}" config set --path quorvex:docker.healthStartInterval 1 --config-file "$DEV_CONFIG" --stack dev
    fi
    echo "dev stack config: $DEV_CONFIG (from Pulumi.dev.yaml; this Docker host: $cpus CPUs, $((bytes / 1048576)) MiB, API ${api:-unknown})"
fi

# No terminal to confirm the update in: deploy without asking, as this command is for.
if [ ! -t 0 ]; then
    case " $* " in
        *" --yes "* | *" -y "* | *" --skip-preview "* | *" -f "* | *" --preview-only "*) ;;
        *) set -- --yes "$@" ;;
    esac
fi
"${PULUMI_CLI[@]}" up --stack dev --config-file "$DEV_CONFIG" "$@"
