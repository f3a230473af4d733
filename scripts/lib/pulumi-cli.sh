# shellcheck shell=bash
# shellcheck disable=SC2034  # PULUMI_CLI is read by the scripts that source this file
# Sourced by the scripts that run the Pulumi CLI. Sets PULUMI_CLI (an array):
#   1. an installed `pulumi` on PATH wins (the official CLI, or the engine
#      tier's toolchain: `npm run toolchain` prints its folder);
#   2. otherwise Pulumi's official npm launcher (the `pulumi` devDependency,
#      pinned in package.json), which downloads that CLI version on first use
#      into ~/.pulumi/versions (it needs to reach get.pulumi.com once).
# node_modules/.bin is skipped in the PATH search: `npm run` puts it first,
# and an installed CLI must still win over the launcher.
find_pulumi_cli() {
    local dir
    local IFS=:
    for dir in $PATH; do
        case "$dir" in */node_modules/.bin) continue ;; esac
        if [ -n "$dir" ] && [ -x "$dir/pulumi" ]; then
            PULUMI_CLI=("$dir/pulumi")
            return 0
        fi
    done
    if [ -x node_modules/.bin/pulumi ]; then
        echo "pulumi: no Pulumi CLI on PATH; using Pulumi's npm launcher (pulumi@$(node -p 'require("pulumi/package.json").version')), which installs that CLI on first use" >&2
        PULUMI_CLI=(node_modules/.bin/pulumi)
        return 0
    fi
    echo "No Pulumi CLI: install it (https://www.pulumi.com/docs/install/), or run \`npm ci\` for Pulumi's npm launcher" >&2
    return 2
}
