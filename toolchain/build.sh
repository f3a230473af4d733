#!/usr/bin/env bash
# npm run toolchain: builds the engine tier's binaries from Go modules only:
# the Pulumi CLI, a Node.js language host, and the resource providers the
# program uses. Each binary has its own wrapper module in this folder (go.mod
# and go.sum are committed, so every build resolves the same, hash-checked
# graph). Output goes to a cache outside the repository, one folder per unit
# keyed by the hash of its inputs and the Go version, reused when present.
# Prints each build's time; the last line is `toolchain: <bin dir>`.
#
# Environment:
#   QUORVEX_TOOLCHAIN_CACHE  cache folder (default ~/.cache/quorvex-toolchain)
#   QUORVEX_TOOLCHAIN_UNITS  space-separated subset of units to build (default: all)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cache="${QUORVEX_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/quorvex-toolchain}"

die() { echo "toolchain: $*" >&2; exit 1; }
command -v go >/dev/null 2>&1 || die "Go is not installed (Go 1.26 or later is needed to build the engine tier)"
command -v node >/dev/null 2>&1 || die "node is not installed"

# Offline-friendly and reproducible: the machine's Go toolchain (no toolchain
# download), no cgo, the committed go.sum files as the integrity check, and the
# configured module proxy without a fallback to direct VCS access (a missing
# module then fails at once instead of timing out).
export GOTOOLCHAIN=local CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:-} -mod=readonly -modcacherw -trimpath"
proxy="$(go env GOPROXY)"
export GOPROXY="${proxy%,direct}"
go_version="$(go env GOVERSION)"

# The versions the program's package.json pins: the binaries are built for them.
pkgver() { node -e 'const p=require(process.argv[1]);const v=p.dependencies[process.argv[2]];if(!v)process.exit(1);console.log(v)' "$root/package.json" "$1"; }
pulumi_version="$(pkgver @pulumi/pulumi)"
random_version="$(pkgver @pulumi/random)"

# Which module version a wrapper requires (from its go.mod).
required() { (cd "$here/$1" && go list -m -f '{{.Version}}' "$2"); }
moddir() { (cd "$here/$1" && go mod download -json "$2" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))'); }

cli_pkg="$(required cli github.com/pulumi/pulumi/pkg/v3)"
[ "$cli_pkg" = "v$pulumi_version" ] ||
    die "toolchain/cli builds pulumi $cli_pkg but package.json pins @pulumi/pulumi $pulumi_version: update toolchain/cli/go.mod (go get github.com/pulumi/pulumi/pkg/v3@v$pulumi_version)"
lang_sdk="$(required language-nodejs github.com/pulumi/pulumi/sdk/v3)"
[ "$lang_sdk" = "v$pulumi_version" ] ||
    die "toolchain/language-nodejs uses sdk $lang_sdk but package.json pins @pulumi/pulumi $pulumi_version"
k8s_version="$(required kubernetes github.com/pulumi/pulumi-kubernetes/provider/v4)"
k8s_version="${k8s_version#v}"
kube_version="$(required cluster k8s.io/kubernetes)"
# What `kube-apiserver --version` and kwokctl's version checks read (a module
# build has no git tree to take them from).
cluster_ldflags="-X k8s.io/component-base/version.gitVersion=$kube_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$kube_version" | cut -d. -f2) -X k8s.io/client-go/pkg/version.gitVersion=$kube_version"

# hash_inputs UNIT EXTRA...: a key for everything that decides the binary.
hash_inputs() {
    local unit="$1"; shift
    {
        echo "$go_version $*"
        (cd "$here/$unit" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) | LC_ALL=C sort | xargs sha256sum)
        (cd "$here" && sha256sum build.sh)
    } | sha256sum | cut -c1-16
}

# unit NAME "BINARY..." KEY_EXTRA BUILD_FUNCTION: build once per key, print the
# time. The function gets the first binary's path; the others go beside it.
built=()
unit() {
    local name="$1" binaries="$2" extra="$3" fn="$4"
    local key out start b first="${2%% *}" missing=""
    key="$(hash_inputs "$name" "$extra")"
    out="$cache/units/$name-$key"
    for b in $binaries; do [ -e "$out/$b" ] || missing=1; done
    if [ -z "$missing" ]; then
        echo "toolchain: $binaries reused ($out)"
    else
        start=$(date +%s)
        echo "toolchain: building $binaries ..."
        rm -rf "$out.tmp" && mkdir -p "$out.tmp"
        "$fn" "$out.tmp/$first"
        for b in $binaries; do [ -e "$out.tmp/$b" ] || die "unit $name did not build $b"; done
        rm -rf "$out" && mv "$out.tmp" "$out"
        echo "toolchain: built $binaries in $(( $(date +%s) - start ))s"
    fi
    for b in $binaries; do built+=("$out/$b"); done
}

build_cli() {
    (cd "$here/cli" && go build -tags osusergo,grpcnotrace \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$pulumi_version" \
        -o "$1" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
}

build_language_nodejs() {
    (cd "$here/language-nodejs" && go build -ldflags "-s -w -X main.version=$pulumi_version" -o "$1" .)
}

# The Kubernetes provider embeds its schema (with the version set) and its
# Terraform mapping, read from the provider module; the same step as the
# provider's own `go generate`, done here in node.
build_kubernetes() {
    local src
    src="$(moddir kubernetes github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes"
    (cd "$here/kubernetes" && node -e '
        const fs = require("fs");
        const [src, version] = process.argv.slice(1);
        const schema = JSON.parse(fs.readFileSync(src + "/schema.json", "utf8"));
        schema.version = version;
        fs.writeFileSync("schema-embed.json", JSON.stringify(schema));
        fs.writeFileSync("terraform-mapping-embed.json", JSON.stringify(JSON.parse(fs.readFileSync(src + "/terraform-mapping.json", "utf8"))));
    ' "$src" "$k8s_version" &&
        go build -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$k8s_version" -o "$1" .)
}

# A bridged provider is built twice: the first binary generates its schema and
# bridge metadata (tfgen), the second embeds them. The second build only relinks.
build_bridged() {
    local name="$1" version="$2" out="$3" gen
    gen="$(mktemp -d)"
    (
        cd "$here/$name"
        printf '{}' > schema-embed.json
        printf '{}' > bridge-metadata-embed.json
        go build -ldflags "-s -w -X main.version=$version" -o "$gen/tfgen" .
        "$gen/tfgen" tfgen schema --out "$gen/schema" --skip-docs --skip-examples > "$gen/tfgen.log" 2>&1 ||
            { cat "$gen/tfgen.log" >&2; exit 1; }
        cp "$gen/schema/schema.json" schema-embed.json
        cp "$gen/schema/bridge-metadata.json" bridge-metadata-embed.json
        go build -ldflags "-s -w -X main.version=$version" -o "$out" .
    )
    rm -rf "$gen"
}
build_random() { build_bridged random "$random_version" "$1"; }

# The API-server rung's control plane, one module so the Kubernetes packages
# compile once: kube-apiserver, kube-controller-manager, kube-scheduler and
# kubectl from k8s.io/kubernetes (its staging modules replaced by their
# published versions), etcd (our main over the etcd server), kwok and kwokctl.
# Beside them, kwok-stages.yaml: kwok's own default node and pod stages (the
# ones kwokctl installs), read from the kwok module, so the harness can run
# them as live Stage objects and add its own next to them.
cluster_binaries="kube-apiserver kube-controller-manager kube-scheduler kubectl kwok kwokctl etcd kwok-stages.yaml kubelet kube-proxy pause"
build_cluster() {
    local dir stages f
    dir="$(dirname "$1")"
    # One `go build` for all ten: the packages compile once and the links run in parallel. The
    # kubelet, kube-proxy and the pod sandbox's `pause` are the node rung's (tests/engine/node.ts).
    (cd "$here/cluster" && go build -ldflags "-s -w $cluster_ldflags" -o "$dir/" \
        k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
        k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl \
        k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy \
        sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl ./etcd ./pause)
    stages="$(moddir cluster sigs.k8s.io/kwok)/kustomize/stage"
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
        pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
        printf -- '---\n' && cat "$stages/$f"
    done > "$dir/kwok-stages.yaml"
}

# MinIO's server and client, for the MinIO users test (opt-in: not in the default set, which a
# cold CI run builds within its time budget; build them with
# QUORVEX_TOOLCHAIN_UNITS="minio mc"). The proxy serves only their newest commits, not the
# releases the images pin (docs/engine-tier.md, "How the toolchain is built").
build_tool() { (cd "$here/$2" && go build -ldflags "-s -w" -o "$1" "$3"); }
build_minio() { build_tool "$1" minio github.com/minio/minio; }
build_mc() { build_tool "$1" mc github.com/minio/mc; }
# promtool, for the alerts test (opt-in: `promtool check rules` and `test rules` on the stack's PrometheusRule).
build_promtool() { build_tool "$1" promtool github.com/prometheus/prometheus/cmd/promtool; }
# CoreDNS, the cluster DNS of the node rung (opt-in).
build_coredns() { build_tool "$1" coredns github.com/coredns/coredns; }
# kube-router, whose firewall enforces the node rung's NetworkPolicies (opt-in). The proxy serves
# only v2.1.0 of it (newer releases are refused).
build_kube_router() { build_tool "$1" kube-router github.com/cloudnativelabs/kube-router/v2/cmd/kube-router; }
# metrics-server, through which the node rung's HPA reads CPU (opt-in).
build_metrics_server() { build_tool "$1" metrics-server sigs.k8s.io/metrics-server/cmd/metrics-server; }
# The Redis and PostgreSQL exporters, for the Docker and node rungs' exporter stand-in images
# (opt-in), with the version each reports (redis_exporter_build_info, postgres_exporter_build_info).
build_redis_exporter() {
    (cd "$here/redis-exporter" && go build -ldflags "-s -w -X main.BuildVersion=$(required redis-exporter github.com/oliver006/redis_exporter)" \
        -o "$1" github.com/oliver006/redis_exporter)
}
build_postgres_exporter() {
    local v
    v="$(required postgres-exporter github.com/prometheus-community/postgres_exporter)"
    (cd "$here/postgres-exporter" && go build -ldflags "-s -w -X github.com/prometheus/common/version.Version=${v#v}" \
        -o "$1" github.com/prometheus-community/postgres_exporter/cmd/postgres_exporter)
}
# KEDA's operator and its metrics API server (the adapter), and keda.yaml: KEDA's own manifests
# from its module (the CRDs, namespace, RBAC, service account, the two Deployments, their
# Services and the external metrics APIService; its admission webhooks are not built), for the
# node rung's live autoscaling (opt-in).
keda_binaries="keda-operator keda-adapter keda.yaml"
build_keda() {
    local dir src f
    dir="$(dirname "$1")"
    (cd "$here/keda" && go build -ldflags "-s -w" -o "$dir/" github.com/kedacore/keda/v2/cmd/operator github.com/kedacore/keda/v2/cmd/adapter)
    mv "$dir/operator" "$dir/keda-operator" && mv "$dir/adapter" "$dir/keda-adapter"
    src="$(moddir keda github.com/kedacore/keda/v2)/config"
    for f in "$src"/crd/bases/*.yaml general/namespace.yaml service_account/service_account.yaml rbac/role.yaml \
        rbac/role_binding.yaml manager/manager.yaml manager/service.yaml metrics-server/role.yaml \
        metrics-server/role_binding.yaml metrics-server/deployment.yaml metrics-server/service.yaml \
        metrics-server/api_service.yaml; do
        case "$f" in /*) ;; *) f="$src/$f" ;; esac
        printf -- '---\n' && cat "$f"
    done > "$dir/keda.yaml"
}

# Gateway API's standard channel (its CRDs, and the admission policy that guards their upgrades)
# and the prometheus-operator's PrometheusRule and ServiceMonitor CRDs, read from their modules
# (nothing is compiled): the API-server rung installs them, so the API server validates the
# stack's routes, alert rules and scrapes against their real schemas and CEL rules.
crds_files="gateway-api-crds.yaml prometheus-operator-crds.yaml"
build_crds() {
    local src f dir
    dir="$(dirname "$1")"
    src="$(moddir crds sigs.k8s.io/gateway-api)/config/crd/standard"
    for f in "$src"/*.yaml; do printf -- '---\n' && cat "$f"; done > "$dir/gateway-api-crds.yaml"
    src="$(moddir crds github.com/prometheus-operator/prometheus-operator)/example/prometheus-operator-crd"
    for f in prometheusrules servicemonitors; do printf -- '---\n' && cat "$src/monitoring.coreos.com_$f.yaml"; done > "$dir/prometheus-operator-crds.yaml"
}

selected="${QUORVEX_TOOLCHAIN_UNITS:-cli language-nodejs kubernetes random cluster crds}"
for u in $selected; do
    case "$u" in
        cli) unit cli pulumi "$pulumi_version" build_cli ;;
        language-nodejs) unit language-nodejs pulumi-language-nodejs "$pulumi_version" build_language_nodejs ;;
        kubernetes) unit kubernetes pulumi-resource-kubernetes "$k8s_version" build_kubernetes ;;
        random) unit random pulumi-resource-random "$random_version" build_random ;;
        cluster) unit cluster "$cluster_binaries" "$kube_version" build_cluster ;;
        minio) unit minio minio "" build_minio ;;
        mc) unit mc mc "" build_mc ;;
        crds) unit crds "$crds_files" "" build_crds ;;
        promtool) unit promtool promtool "" build_promtool ;;
        coredns) unit coredns coredns "" build_coredns ;;
        kube-router) unit kube-router kube-router "" build_kube_router ;;
        metrics-server) unit metrics-server metrics-server "" build_metrics_server ;;
        keda) unit keda "$keda_binaries" "" build_keda ;;
        redis-exporter) unit redis-exporter redis_exporter "" build_redis_exporter ;;
        postgres-exporter) unit postgres-exporter postgres_exporter "" build_postgres_exporter ;;
        *) die "unknown unit '$u' (known: cli language-nodejs kubernetes random cluster crds minio mc promtool coredns kube-router metrics-server keda redis-exporter postgres-exporter)" ;;
    esac
done

# One bin folder per set of units: hard links, because the CLI finds its
# language host next to its own resolved path.
set_key="$(printf '%s\n' "${built[@]}" | sha256sum | cut -c1-16)"
bin="$cache/bin-$set_key"
if [ ! -d "$bin" ]; then
    rm -rf "$bin.tmp" && mkdir -p "$bin.tmp"
    for b in "${built[@]}"; do ln "$b" "$bin.tmp/" 2>/dev/null || cp "$b" "$bin.tmp/"; done
    mv "$bin.tmp" "$bin"
fi
echo "toolchain: $bin"
