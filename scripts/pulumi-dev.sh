#!/usr/bin/env bash
# npm run pulumi:dev -- <pulumi arguments>
# The Pulumi CLI on the `dev` stack, with the state and the local config
# `npm run deploy:dev` made (./.pulumi-state, unless PULUMI_BACKEND_URL says
# otherwise) and passphrase secrets (export PULUMI_CONFIG_PASSPHRASE first):
#   npm run pulumi:dev -- config set --path quorvex:workers.replicas 6
#   npm run pulumi:dev -- up
#   npm run pulumi:dev -- destroy
#   npm run pulumi:dev -- stack rm     # the stack and its local config; Pulumi.dev.yaml stays
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/dev-stack.sh
. scripts/lib/dev-stack.sh
# shellcheck source=scripts/lib/pulumi-cli.sh
. scripts/lib/pulumi-cli.sh
find_pulumi_cli || exit 2
mkdir -p "$DEV_STATE"

# `stack rm [dev]`: the stack and its local config; the tracked stack file is the project's.
if [ "${1:-}" = stack ] && [ "${2:-}" = rm ]; then
    shift 2
    if [ "${1:-}" = dev ]; then shift; fi
    "${PULUMI_CLI[@]}" stack rm dev --preserve-config "$@"
    rm -f "$DEV_CONFIG"
    exit 0
fi

args=("$@")
case " $* " in
    *" --stack "* | *" -s "* | *" --stack="*) ;;
    *)
        case "${1:-}" in
            plugin | version | whoami | login | logout | help | --help | -h | gen-completion) ;;
            stack) case "${2:-}" in init | select) ;; *) args+=(--stack dev) ;; esac ;;
            *) args+=(--stack dev) ;;
        esac
        ;;
esac
# The commands that read the stack's config read the local one once deploy:dev made it.
case "${1:-}" in
    up | update | preview | refresh | destroy | config | import | watch)
        need_passphrase
        if [ -f "$DEV_CONFIG" ]; then args+=(--config-file "$DEV_CONFIG"); fi
        ;;
esac
exec "${PULUMI_CLI[@]}" "${args[@]}"
