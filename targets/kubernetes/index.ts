/**
 * The Kubernetes target: the platform in its own namespace of a cluster, the
 * `prod` stack. Its config section is `quorvex:kubernetes.*`. It runs workers
 * mode only, with the shared (per-replica) sizing of `config/defaults.ts`.
 */
import type { TargetPlugin } from "../plugin";
import { section, SYSTEM_NAMESPACES } from "./config";
import { wayInWarnings } from "./ingress-profiles";
import { MONITORING_DEFAULTS, MONITORING_DOCS } from "./monitoring";
import { PLACEMENT_DEFAULTS, PLACEMENT_DOCS, placementRules } from "./placement";
import { kubernetesReview } from "./review";

export const kubernetes: TargetPlugin<"kubernetes", typeof section> = {
    name: "kubernetes",
    description: "a Kubernetes cluster",
    capabilities: {
        modes: ["workers"],
        autoscalers: ["none", "hpa", "keda", "keda-job"],
        scheduledTasks: true,
        tlsModes: ["selfSigned", "provided", "secret", "certManager", "gateway", "none"],
        routeKinds: ["ingress", "gateway"],
        registryCredentials: "pullSecrets",
        minCpuLimitMilli: 1,
        taskNamespaces: true,
    },
    config: {
        schema: section,
        defaults: {
            namespace: "playwright-agent",
            kubeconfig: null,
            context: null,
            renderYamlToDirectory: null,
            ingressControllerNamespace: "ingress-nginx",
            // The controller pods of the ingress-nginx chart; [] admits every pod of the namespace.
            ingressControllerPodLabels: ["app.kubernetes.io/name=ingress-nginx", "app.kubernetes.io/component=controller"],
            kedaNamespace: "keda",
            // The operator pods of the KEDA chart (the metrics server never reads Redis).
            kedaOperatorPodLabels: ["app=keda-operator"],
            workerEgressPorts: [80, 443],
            // Resolvers that are not kube-dns pods: NodeLocal DNSCache (169.254.20.10) and the
            // metadata-server resolver of GKE Autopilot and Cloud DNS (169.254.169.254).
            dnsResolvers: ["169.254.0.0/16"],
            // Where clusters put their API servers' addresses: the private ranges.
            apiServerCidrs: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
            // Nothing pinned by default; the workers spread over nodes and zones (targets/kubernetes/placement.ts).
            placement: PLACEMENT_DEFAULTS,
            // Off: it needs the prometheus-operator's CRDs (targets/kubernetes/monitoring.ts).
            monitoring: MONITORING_DEFAULTS,
        },
        docs: {
            namespace: "Namespace of every object: the platform's own (not `default` or `kube-*`).",
            kubeconfig: "Kubeconfig path or contents; null: the ambient one.",
            context: "Kubeconfig context; null: the current one.",
            renderYamlToDirectory: "Write manifests to this directory instead of applying them (Secrets are written in clear: keep that directory private).",
            ingressControllerNamespace: "Namespace of the ingress controller (the only source admitted to the backend).",
            ingressControllerPodLabels:
                "Labels of the ingress controller's pods in that namespace: only they reach the backend (and cert-manager's HTTP-01 solver). `key=value` items; `[]`: every pod of the namespace.",
            kedaNamespace: "Namespace of the KEDA operator (admitted to Redis to read the queue).",
            kedaOperatorPodLabels:
                "Labels of the KEDA operator's pods in that namespace: only they reach Redis from there. `key=value` items; `[]`: every pod of the namespace.",
            workerEgressPorts: "Ports the browsers may reach outside the cluster (private ranges excluded).",
            apiServerCidrs:
                "Networks (IPv4 CIDR) of the cluster's API server, which the task controller (the backend, with `tasks.enabled`) may reach on 443 and 6443: `kubectl get endpoints kubernetes` shows its addresses.",
            ...PLACEMENT_DOCS,
            ...MONITORING_DOCS,
            dnsResolvers:
                "Networks (IPv4 CIDR) of DNS resolvers that are not kube-dns pods (NodeLocal DNSCache, a cloud's metadata resolver): every pod may reach them on port 53, besides the kube-dns pods.",
        },
    },
    sizingTable: "cluster",
    sharedDefaults: () => ({
        // The seed's Kubernetes workers scale with an HPA on CPU.
        workers: { autoscaler: "hpa" },
        ingress: { host: "quorvex.example.com", tls: { mode: "certManager", clusterIssuer: "letsencrypt-prod" } },
        // A CronJob dumps Postgres into MinIO.
        backup: { enabled: true },
    }),
    rules: (config, rule) => {
        placementRules(config.kubernetes.placement, Object.keys(config.workers.pools), (path, message) => rule(["kubernetes", ...path], message));
        const dataPlane = config.ingress.gateway.dataPlaneNamespace;
        if (config.ingress.kind === "gateway" && dataPlane === config.kubernetes.namespace)
            rule(
                ["ingress", "gateway", "dataPlaneNamespace"],
                "must not be kubernetes.namespace: the Gateway's proxies would run under the platform's default-deny and restricted policy; run them in the controller's namespace",
            );
        if (!config.tasks.enabled) return;
        if (config.tasks.namespace === config.kubernetes.namespace)
            rule(["tasks", "namespace"], "must differ from kubernetes.namespace: tasks get a namespace of their own");
        if (SYSTEM_NAMESPACES.includes(config.tasks.namespace) || config.tasks.namespace.startsWith("kube-"))
            rule(["tasks", "namespace"], "must be the tasks' own namespace, not `default` or a `kube-*` system namespace");
    },
    warnings: (config, key) => wayInWarnings(config.ingress, key),
    review: kubernetesReview,
    create: (stack, config) => {
        // Loaded only for a stack on this target: the Kubernetes provider SDK comes with it.
        const { create } = require("./create") as typeof import("./create");
        return create(stack, config);
    },
};
