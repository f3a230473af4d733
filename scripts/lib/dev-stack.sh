# shellcheck shell=bash
# shellcheck disable=SC2034  # read by the scripts that source this file
# Sourced by deploy-dev.sh and pulumi-dev.sh: where the dev stack's state and
# its local config live, and the check that the passphrase is set.
#
# The local dev stack keeps its config in .pulumi-state/Pulumi.dev.yaml, made
# from the tracked Pulumi.dev.yaml at the first deploy: `config set`, the
# encryption salt and this host's size go there, so the checkout stays clean.
DEV_STATE="$PWD/.pulumi-state"
DEV_CONFIG="$DEV_STATE/Pulumi.dev.yaml"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$DEV_STATE}"

need_passphrase() {
    if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
        echo "Set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE): it encrypts the dev stack's generated passwords; export it once in your shell, with the value the first deploy used." >&2
        exit 2
    fi
}
