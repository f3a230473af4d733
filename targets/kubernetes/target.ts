import type * as k8s from "@pulumi/kubernetes";
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import * as apiextensionsV1 from "@pulumi/kubernetes/apiextensions/v1";
import * as appsV1 from "@pulumi/kubernetes/apps/v1";
import * as autoscalingV2 from "@pulumi/kubernetes/autoscaling/v2";
import * as batchV1 from "@pulumi/kubernetes/batch/v1";
import * as coreV1 from "@pulumi/kubernetes/core/v1";
import * as networkingV1 from "@pulumi/kubernetes/networking/v1";
import * as policyV1 from "@pulumi/kubernetes/policy/v1";
import * as schedulingV1 from "@pulumi/kubernetes/scheduling/v1";
import * as pulumi from "@pulumi/pulumi";
import { formatMiB } from "../../config/quantity";
import { markerLabels, shortHash, standardLabels } from "../labels";
import {
    credentialVersions,
    MARKERS,
    storedSecrets,
    type PlacementOptions,
    type Target,
    type RouteHandle,
    type RouteSpec,
    type ScheduledTaskSpec,
    type SecretHandle,
    type SecretOptions,
    type ServiceHandle,
    type ServiceSpecBase,
    type StatefulServiceSpec,
    type StatelessServiceSpec,
    type TaskHandle,
    type TaskSpec,
    type TasksHandle,
    type TasksSpec,
    type WorkloadSpec,
} from "../contract";
import { isolatedNamespace, KubernetesCluster } from "./cluster";
import { KEDA_API_VERSION, redisListTrigger, redisTriggerAuthentication } from "./keda";
import { alertGroups, dashboard, type MonitoringConfig, type WatchedStack } from "./monitoring";
import { placedWorkload, placementFields, placementOf, type PlacementConfig } from "./placement";
import { gatewayRoute, ingressRoute, type RouteContext, type WaySettings } from "./route";
import { tasksNamespace } from "./tasks";
import { containerBase, nonEmpty, podSecurity, podSpec, scratchVolumes, secretFiles, stringData, type PodOptions } from "./pod";

const HPA_TYPE = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const SCALED_OBJECT_TYPE = "kubernetes:keda.sh/v1alpha1:ScaledObject";

/**
 * The HPA and the ScaledObject of a pool are one resource that changes kind: a switch between
 * them replaces it, deleting the old kind first. Otherwise the engine would create the new one
 * before deleting the old, and KEDA's admission webhook refuses a ScaledObject whose target an
 * HPA still scales (and two autoscalers would fight over the replicas meanwhile).
 */
const switchesWith = (other: string): pulumi.CustomResourceOptions => ({ aliases: [{ type: other }], deleteBeforeReplace: true, replaceOnChanges: ["kind"] });

/** The provider's switch that takes a field another manager owns, instead of failing on the conflict. */
const PATCH_FORCE = "pulumi.com/patchForce";

/** Scale down slowly, under either autoscaler: a worker may be in the middle of a browser job. */
const SCALE_DOWN = { stabilizationWindowSeconds: 300, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] };

/**
 * How long the provider waits for an autoscaled pool to roll: one new pod at a time, up to
 * the autoscaler's maximum, each pulling a browser image and passing readiness.
 */
const POOL_ROLLOUT_TIMEOUT = "60m";

export interface KubernetesTargetArgs {
    stack: string;
    namespace: string;
    kubeconfig: string | null;
    context: string | null;
    renderYamlToDirectory: string | null;
    /** Namespace of the ingress controller, the only source of traffic into the backend (with an Ingress). */
    ingressControllerNamespace: string;
    /** Labels of the ingress controller's pods in that namespace. */
    ingressControllerPodLabels: Record<string, string>;
    /** Namespace of the KEDA operator (it reads the Redis queue length). */
    kedaNamespace: string;
    /** Labels of the KEDA operator's pods in that namespace. */
    kedaOperatorPodLabels: Record<string, string>;
    /** Networks of DNS resolvers that are not kube-dns pods (node-local caches, cloud metadata resolvers). */
    dnsResolvers: string[];
    /** The ports a `browsing` workload may reach outside the cluster (the sites under test). */
    browsingPorts: number[];
    /** Networks of the cluster's API server, which a workload with `apiAccess` may reach. */
    apiServerCidrs: string[];
    /** The way in: an Ingress for a controller, or a Gateway API route (`ingress.*`). */
    way: WaySettings;
    /** Where pods run (`kubernetes.placement`). */
    placement: PlacementConfig;
    protection: { protect: boolean; retainOnDelete: boolean };
    /** Existing docker-registry Secrets every pod pulls with (through its ServiceAccount). */
    imagePullSecrets: string[];
    /**
     * The Prometheus that scrapes the ports marked `scrape` (`kubernetes.monitoring`): its namespace
     * and pods, admitted to those ports only, and the labels its ServiceMonitor selector picks.
     * null: no ServiceMonitor, nothing admitted.
     */
    scrapedBy: { namespace: string; podLabels: Record<string, string>; monitorLabels: Record<string, string> } | null;
}

/** The ports of a workload that Prometheus scrapes (its ServiceMonitor's endpoints, and what its Prometheus is admitted to). */
const scrapedPorts = (spec: { ports?: ServiceSpecBase["ports"] }) => (spec.ports ?? []).filter((p) => p.scrape);

/** The pods with these labels in that namespace (every pod of it when `labels` is empty). */
function peer(namespace: string, labels: Record<string, string>): k8s.types.input.networking.v1.NetworkPolicyPeer {
    return {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
        ...(Object.keys(labels).length ? { podSelector: { matchLabels: labels } } : {}),
    };
}

/** Private and link-local ranges: the browsers' internet egress never reaches them. */
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"];

const SECRET_SUFFIX = "credentials";
/** Where an API server listens: 443 behind a cloud's endpoint, 6443 on the nodes themselves. */
const API_SERVER_PORTS = [443, 6443];

export class KubernetesTarget implements Target {
    public readonly namespace: string;
    public readonly cluster: KubernetesCluster;
    private readonly prerequisites = new Map<string, pulumi.Resource>();

    constructor(private readonly args: KubernetesTargetArgs) {
        this.namespace = args.namespace;
        this.cluster = new KubernetesCluster(`quorvex-${args.stack}`, {
            namespace: args.namespace,
            kubeconfig: args.kubeconfig,
            context: args.context,
            renderYamlToDirectory: args.renderYamlToDirectory,
            stack: args.stack,
            protection: args.protection,
            dnsResolvers: args.dnsResolvers,
        });
    }

    serviceHost(role: string): string {
        return `${role}.${this.namespace}.svc`;
    }

    /**
     * An object the cluster must already have (KEDA's CRD, cert-manager's ClusterIssuer), read at
     * preview and at up: a missing one fails the run with its name instead of an up that goes green
     * without TLS, or a preview that skips what it cannot check. Nothing to read when rendering YAML.
     */
    private prerequisite(name: string, read: (opts: pulumi.CustomResourceOptions) => pulumi.Resource): pulumi.Resource[] {
        if (this.args.renderYamlToDirectory) return [];
        const existing = this.prerequisites.get(name) ?? read({ provider: this.cluster.provider, parent: this.cluster });
        this.prerequisites.set(name, existing);
        return [existing];
    }

    private opts(parent: pulumi.Resource, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
        return { parent, provider: this.cluster.provider, ...extra, dependsOn: [this.cluster.namespace, ...((extra.dependsOn as pulumi.Resource[]) ?? [])] };
    }

    private meta(spec: Pick<WorkloadSpec, "role" | "component">, name: string, extraLabels: Record<string, string> = {}) {
        return { name, namespace: this.namespace, labels: { ...standardLabels(this.args.stack, spec), ...extraLabels } };
    }

    private selector(role: string) {
        return { "app.kubernetes.io/name": role, "app.kubernetes.io/instance": this.args.stack };
    }

    secret(role: string, values: Record<string, pulumi.Input<string>>, opts: SecretOptions): SecretHandle {
        const out: Record<string, pulumi.Output<string>> = {};
        for (const [k, v] of Object.entries(values)) out[k] = pulumi.secret(pulumi.output(v));
        // Updated in place on rotation (the provider's enableSecretMutable), never deleted and recreated:
        // no pod can start in a gap without it, and its readers are ordered after it.
        const stored = new coreV1.Secret(
            `${role}-${SECRET_SUFFIX}`,
            {
                metadata: this.meta({ role, component: role }, `${role}-${SECRET_SUFFIX}`, opts.root ? { [MARKERS.rootCredentials]: role } : {}),
                type: "Opaque",
                stringData: stringData(out),
            },
            this.opts(opts.parent),
        );
        return { name: role, values: out, version: opts.version ?? "0", root: opts.root ?? false, stored };
    }

    private serviceAccount(spec: WorkloadSpec, parent: pulumi.Resource): coreV1.ServiceAccount {
        return new coreV1.ServiceAccount(
            spec.role,
            {
                metadata: this.meta(spec, spec.role),
                // Only a workload that talks to the cluster's API (the task controller) gets its token.
                automountServiceAccountToken: spec.apiAccess === true,
                imagePullSecrets: nonEmpty(this.args.imagePullSecrets.map((name) => ({ name }))),
            },
            this.opts(parent),
        );
    }

    /**
     * The stack's alerts as a PrometheusRule and its dashboard as a ConfigMap (the operator's CRD
     * read as a prerequisite: without it the rule could not be created).
     */
    watch(s: WatchedStack, m: MonitoringConfig): void {
        const owner = { role: "quorvex", component: "monitoring" };
        const crd = this.prerequisite("prometheus-rules", (o) =>
            apiextensionsV1.CustomResourceDefinition.get("prometheus-rules", "prometheusrules.monitoring.coreos.com", o),
        );
        new CustomResource(
            "quorvex-alerts",
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: this.meta(owner, "quorvex", m.ruleLabels),
                spec: { groups: alertGroups(s, m) },
            },
            this.opts(this.cluster, { dependsOn: crd }),
        );
        new coreV1.ConfigMap(
            "quorvex-dashboard",
            {
                metadata: this.meta(owner, "quorvex-dashboard", m.dashboardLabels),
                data: { "quorvex.json": JSON.stringify(dashboard(s), null, 2) },
            },
            this.opts(this.cluster),
        );
    }

    /**
     * Where a workload's pods run: its placement over the default, spread over its own pods; a
     * PriorityClass it names is read as a prerequisite (a missing one would leave every pod Pending).
     */
    private placed(spec: Pick<WorkloadSpec, "role" | "component" | "browserPool">): PodOptions["placement"] {
        const workload = placedWorkload(spec.component);
        if (!workload) return {};
        const p = placementOf(this.args.placement, workload, spec.browserPool);
        const cls = p.priorityClassName;
        if (cls) this.prerequisite(`priority-class-${cls}`, (o) => schedulingV1.PriorityClass.get(`priority-class-${cls}`, cls, o));
        return placementFields(p, this.selector(spec.role));
    }

    /** The only source of traffic from outside: the ingress controller's pods, or the Gateway's proxies. */
    private entryPeer(): k8s.types.input.networking.v1.NetworkPolicyPeer {
        const g = this.args.way.gateway;
        return this.args.way.kind === "gateway"
            ? peer(g.dataPlaneNamespace!, g.dataPlanePodLabels)
            : peer(this.args.ingressControllerNamespace, this.args.ingressControllerPodLabels);
    }

    /** Egress of a workload, and the matching ingress on each service it talks to. */
    private networkPolicies(spec: WorkloadSpec & { exposedToIngress?: boolean; ports?: ServiceSpecBase["ports"] }, parent: pulumi.Resource) {
        const egress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[] = (spec.connectsTo ?? []).map((svc) => ({
            to: [{ podSelector: { matchLabels: this.selector(svc.role) } }],
            ports: Object.values(svc.ports).map((port) => ({ protocol: "TCP", port })),
        }));
        if (spec.apiAccess) {
            // The cluster's API server: no pod selector finds it; its addresses are the cluster's own.
            egress.push({
                to: this.args.apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } })),
                ports: API_SERVER_PORTS.map((port) => ({ protocol: "TCP", port })),
            });
        }
        const outside = spec.internetEgress === "browsing" ? this.args.browsingPorts : (spec.internetEgress?.ports ?? []);
        if (outside.length) {
            egress.push({
                to: [{ ipBlock: { cidr: "0.0.0.0/0", except: PRIVATE_RANGES } }],
                ports: outside.map((port) => ({ protocol: "TCP", port })),
            });
        }
        new networkingV1.NetworkPolicy(
            `${spec.role}-egress`,
            {
                metadata: this.meta(spec, `${spec.role}-egress`),
                // No rule at all is no `egress` field: policyTypes Egress still denies everything.
                spec: { podSelector: { matchLabels: this.selector(spec.role) }, policyTypes: ["Egress"], egress: nonEmpty(egress) },
            },
            this.opts(parent),
        );
        for (const svc of spec.connectsTo ?? []) {
            this.admit(
                spec,
                `${svc.role}-from-${spec.role}`,
                this.selector(svc.role),
                { podSelector: { matchLabels: this.selector(spec.role) } },
                Object.values(svc.ports),
                parent,
            );
        }
        const scraped = scrapedPorts(spec);
        if (this.args.scrapedBy && scraped.length) {
            this.admit(
                spec,
                `${spec.role}-from-prometheus`,
                this.selector(spec.role),
                peer(this.args.scrapedBy.namespace, this.args.scrapedBy.podLabels),
                scraped.map((p) => p.port),
                parent,
            );
        }
        if (spec.exposedToIngress && spec.ports?.length) {
            this.admit(
                spec,
                `${spec.role}-from-${this.args.way.kind}`,
                this.selector(spec.role),
                this.entryPeer(),
                spec.ports.map((p) => p.port),
                parent,
            );
        }
    }

    /** A NetworkPolicy named `name` that lets the peer `from` reach the pods `to` selects, on these TCP ports. */
    private admit(
        owner: Pick<WorkloadSpec, "role" | "component">,
        name: string,
        to: Record<string, string>,
        from: k8s.types.input.networking.v1.NetworkPolicyPeer,
        ports: number[],
        parent: pulumi.Resource,
    ): void {
        new networkingV1.NetworkPolicy(
            name,
            {
                metadata: this.meta(owner, name),
                spec: {
                    podSelector: { matchLabels: to },
                    policyTypes: ["Ingress"],
                    ingress: [{ from: [from], ports: ports.map((port) => ({ protocol: "TCP", port })) }],
                },
            },
            this.opts(parent),
        );
    }

    private podTemplate(spec: ServiceSpecBase, sa: coreV1.ServiceAccount, extra: Parameters<typeof podSpec>[1]["volumes"] = []) {
        return {
            metadata: {
                labels: { ...standardLabels(this.args.stack, spec), ...markerLabels(spec) },
                annotations: this.podAnnotations(spec),
            },
            spec: podSpec(spec, {
                serviceAccountName: sa.metadata.name as unknown as string,
                secretName: (n) => `${n}-${SECRET_SUFFIX}`,
                ports: spec.ports,
                health: spec.health,
                volumes: extra,
                placement: this.placed(spec),
            }),
        };
    }

    /**
     * A Secret's new content does not restart the pods that read it: the
     * credential versions in the pod template do, for exactly those pods.
     */
    private podAnnotations(spec: WorkloadSpec): Record<string, string> | undefined {
        const out: Record<string, string> = {};
        const creds = credentialVersions(spec.env);
        if (creds) out["quorvex.io/credentials"] = creds;
        if (spec.runsBrowsers) out["quorvex.io/shm-size"] = formatMiB(spec.shmMiB ?? 0);
        return Object.keys(out).length ? out : undefined;
    }

    private service(spec: ServiceSpecBase, parent: pulumi.Resource, headless: boolean): coreV1.Service {
        return new coreV1.Service(
            spec.role,
            {
                metadata: this.meta(spec, spec.role),
                spec: {
                    // (publishNotReadyAddresses stays unset: false is its default, and the API server drops a false there.)
                    ...(headless ? { clusterIP: "None" } : { type: "ClusterIP" }),
                    selector: this.selector(spec.role),
                    ports: spec.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name.slice(0, 15), protocol: "TCP" })),
                },
            },
            this.opts(parent),
        );
    }

    /** A ServiceMonitor of the ports marked `scrape`, for the prometheus-operator (its CRD read as a prerequisite). */
    private serviceMonitor(spec: ServiceSpecBase, parent: pulumi.Resource): void {
        const scraped = scrapedPorts(spec);
        if (!this.args.scrapedBy || !scraped.length) return;
        const crd = this.prerequisite("service-monitors", (o) =>
            apiextensionsV1.CustomResourceDefinition.get("service-monitors", "servicemonitors.monitoring.coreos.com", o),
        );
        new CustomResource(
            spec.role,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: this.meta(spec, spec.role, this.args.scrapedBy.monitorLabels),
                spec: {
                    selector: { matchLabels: this.selector(spec.role) },
                    endpoints: scraped.map((p) => ({ port: p.name, path: p.scrape!.path })),
                },
            },
            this.opts(parent, { dependsOn: crd }),
        );
    }

    /** What a workload must be created (and rolled) after: the Secrets it reads, healthy services, finished tasks. */
    private ordering(spec: { env?: WorkloadSpec["env"]; waitFor?: ServiceHandle[]; after?: TaskHandle[] }): pulumi.Resource[] {
        return [...storedSecrets(spec.env), ...(spec.waitFor ?? []).flatMap((s) => s.ready), ...(spec.after ?? []).flatMap((t) => t.ready)];
    }

    private handle(spec: ServiceSpecBase, ready: pulumi.Resource[]): ServiceHandle {
        return { role: spec.role, host: this.serviceHost(spec.role), ports: Object.fromEntries(spec.ports.map((p) => [p.name, p.port])), ready };
    }

    statelessService(spec: StatelessServiceSpec, opts: PlacementOptions): ServiceHandle {
        const sa = this.serviceAccount(spec, opts.parent);
        this.networkPolicies(spec, opts.parent);
        const autoscaled = spec.autoscaling !== undefined;
        const deployment = new appsV1.Deployment(
            spec.role,
            {
                // A fixed count is the stack's: it takes `.spec.replicas` back from whatever scaled the pool
                // before (the autoscaler it replaces, which owns that field once it has scaled; a `kubectl
                // scale`), where server-side apply would otherwise refuse the `up` with a field conflict.
                metadata: autoscaled ? this.meta(spec, spec.role) : { ...this.meta(spec, spec.role), annotations: { [PATCH_FORCE]: "true" } },
                spec: {
                    replicas: autoscaled ? spec.autoscaling!.min : spec.replicas,
                    revisionHistoryLimit: 5,
                    selector: { matchLabels: this.selector(spec.role) },
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: this.podTemplate(spec, sa),
                },
            },
            // With an autoscaler, the replica count is the autoscaler's: Pulumi never resets it.
            this.opts(opts.parent, {
                dependsOn: this.ordering(spec),
                ignoreChanges: autoscaled ? ["spec.replicas"] : [],
                ...(autoscaled ? { customTimeouts: { create: POOL_ROLLOUT_TIMEOUT, update: POOL_ROLLOUT_TIMEOUT } } : {}),
            }),
        );
        const service = this.service(spec, opts.parent, false);
        this.serviceMonitor(spec, opts.parent);
        if (spec.minAvailable !== undefined || spec.maxUnavailable !== undefined) {
            const budget = spec.minAvailable !== undefined ? { minAvailable: spec.minAvailable } : { maxUnavailable: spec.maxUnavailable };
            new policyV1.PodDisruptionBudget(
                spec.role,
                { metadata: this.meta(spec, spec.role), spec: { ...budget, selector: { matchLabels: this.selector(spec.role) } } },
                this.opts(opts.parent),
            );
        }
        if (spec.autoscaling) this.autoscaler(spec, spec.autoscaling, opts.parent);
        return this.handle(spec, [deployment, service]);
    }

    private autoscaler(spec: StatelessServiceSpec, a: NonNullable<StatelessServiceSpec["autoscaling"]>, parent: pulumi.Resource) {
        const target = { apiVersion: "apps/v1", kind: "Deployment", name: spec.role };
        if (a.engine === "hpa") {
            new autoscalingV2.HorizontalPodAutoscaler(
                spec.role,
                {
                    metadata: this.meta(spec, spec.role),
                    spec: {
                        scaleTargetRef: target,
                        minReplicas: a.min,
                        maxReplicas: a.max,
                        metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: a.targetCpuPercent } } }],
                        behavior: { scaleDown: SCALE_DOWN },
                    },
                },
                this.opts(parent, switchesWith(SCALED_OBJECT_TYPE)),
            );
            return;
        }
        if (!a.queue) throw new Error(`${spec.role}: KEDA autoscaling needs the Redis queue`);
        const q = a.queue;
        const auth = redisTriggerAuthentication(
            `${spec.role}-redis-auth`,
            this.meta(spec, `${spec.role}-redis-auth`),
            q,
            (n) => `${n}-${SECRET_SUFFIX}`,
            this.opts(parent),
        );
        // The CPU rule lives in the ScaledObject: KEDA owns the HPA, so no HPA of ours targets this Deployment.
        new CustomResource(
            spec.role,
            {
                apiVersion: KEDA_API_VERSION,
                kind: "ScaledObject",
                metadata: this.meta(spec, spec.role),
                spec: {
                    scaleTargetRef: { name: spec.role },
                    minReplicaCount: a.min,
                    maxReplicaCount: a.max,
                    triggers: [
                        { type: "cpu", metricType: "Utilization", metadata: { value: String(a.targetCpuPercent) } },
                        redisListTrigger(q, `${spec.role}-redis-auth`),
                    ],
                    advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: SCALE_DOWN } } },
                },
            },
            this.opts(parent, {
                ...switchesWith(HPA_TYPE),
                dependsOn: [
                    auth,
                    ...this.prerequisite("keda-scaledobjects", (o) =>
                        apiextensionsV1.CustomResourceDefinition.get("keda-scaledobjects", "scaledobjects.keda.sh", o),
                    ),
                ],
            }),
        );
        // The KEDA operator reads the queue length from Redis: for each scaled pool, a policy of its own
        // (one name per pool: two would be one URN, and go with their pool).
        this.admit(
            spec,
            `${q.service.role}-from-keda${spec.browserPool ? `-${spec.role}` : ""}`,
            this.selector(q.service.role),
            peer(this.args.kedaNamespace, this.args.kedaOperatorPodLabels),
            [q.service.ports[q.port]],
            parent,
        );
    }

    statefulService(spec: StatefulServiceSpec, opts: PlacementOptions): ServiceHandle {
        const protection = opts.protection ?? { protect: false, retainOnDelete: false };
        const data = markerLabels({}, { kind: spec.volume.data, ...protection });
        // The StatefulSet holds no data: `retainOnDelete` on it would leave its pod running after
        // `pulumi destroy`, holding the claim, and a later create of the same name would fail. The
        // claim (and the namespace) are what is kept.
        const workload = { protect: protection.protect, retainOnDelete: false };
        const workloadMarkers = markerLabels({}, { kind: spec.volume.data, ...workload });
        const sa = this.serviceAccount(spec, opts.parent);
        this.networkPolicies(spec, opts.parent);
        // A standalone PVC: protected on its own, and resized in place (no StatefulSet template to replace).
        const pvc = new coreV1.PersistentVolumeClaim(
            `${spec.role}-data`,
            {
                metadata: this.meta(spec, `${spec.role}-data`, data),
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    storageClassName: spec.volume.storageClass ?? undefined,
                    resources: { requests: { storage: formatMiB(spec.volume.sizeMiB) } },
                },
            },
            this.opts(opts.parent, { ...protection }),
        );
        const service = this.service(spec, opts.parent, true);
        this.serviceMonitor(spec, opts.parent);
        const statefulSet = new appsV1.StatefulSet(
            spec.role,
            {
                metadata: this.meta(spec, spec.role, workloadMarkers),
                spec: {
                    replicas: 1,
                    serviceName: spec.role,
                    selector: { matchLabels: this.selector(spec.role) },
                    podManagementPolicy: "OrderedReady",
                    updateStrategy: { type: "RollingUpdate" },
                    template: this.podTemplate(spec, sa, [
                        {
                            volume: { name: "data", persistentVolumeClaim: { claimName: `${spec.role}-data` } },
                            mount: { name: "data", mountPath: spec.volume.mountPath },
                        },
                    ]),
                },
            },
            this.opts(opts.parent, { ...workload, dependsOn: [pvc, service, ...this.ordering(spec)] }),
        );
        return this.handle(spec, [statefulSet, service]);
    }

    task(spec: TaskSpec, opts: PlacementOptions): TaskHandle {
        const sa = this.serviceAccount(spec, opts.parent);
        this.networkPolicies(spec, opts.parent);
        // The name follows the run key: a new backend image is a new Job, so a new run.
        const name = `${spec.role}-${shortHash(spec.runKey)}`;
        const job = new batchV1.Job(
            spec.role,
            {
                metadata: {
                    ...this.meta(spec, name),
                    annotations: {
                        "quorvex.io/run-key": spec.runKey.slice(0, 250),
                        // A Job that did not complete (a failed migration) is replaced by the next `pulumi up`,
                        // so a fixed cause needs no `kubectl delete job`: a failed run never sticks.
                        "pulumi.com/replaceUnready": "true",
                    },
                },
                spec: {
                    backoffLimit: 3,
                    activeDeadlineSeconds: 1800,
                    template: {
                        metadata: { labels: { ...standardLabels(this.args.stack, spec), ...markerLabels(spec) }, annotations: this.podAnnotations(spec) },
                        spec: podSpec(spec, {
                            serviceAccountName: sa.metadata.name as unknown as string,
                            secretName: (n) => `${n}-${SECRET_SUFFIX}`,
                            restartPolicy: "Never",
                            placement: this.placed(spec),
                        }),
                    },
                },
            },
            this.opts(opts.parent, { dependsOn: this.ordering(spec), deleteBeforeReplace: true, customTimeouts: { create: "30m", update: "30m" } }),
        );
        // The provider waits for the Job to complete and fails the update if it fails.
        return { role: spec.role, ready: [job], succeeded: job.metadata.name.apply(() => "succeeded") };
    }

    tasks(spec: TasksSpec, opts: PlacementOptions): TasksHandle {
        return tasksNamespace(spec, {
            stack: this.args.stack,
            platformNamespace: this.namespace,
            provider: this.cluster.provider,
            parent: opts.parent,
            dnsResolvers: this.args.dnsResolvers,
            browsingPorts: this.args.browsingPorts,
            privateRanges: PRIVATE_RANGES,
            secretName: (n) => `${n}-${SECRET_SUFFIX}`,
            selector: (role) => this.selector(role),
            placement: (spec) => this.placed(spec),
            scaledJobsDefinition: () =>
                this.prerequisite("keda-scaledjobs", (o) => apiextensionsV1.CustomResourceDefinition.get("keda-scaledjobs", "scaledjobs.keda.sh", o)),
            // The KEDA operator reads the queue's length from Redis.
            admitKeda: (q, name) =>
                this.admit(
                    { role: name, component: "tasks" },
                    name,
                    this.selector(q.service.role),
                    peer(this.args.kedaNamespace, this.args.kedaOperatorPodLabels),
                    [q.service.ports[q.port]],
                    opts.parent,
                ),
            isolated: (name) =>
                isolatedNamespace(
                    { name, stack: this.args.stack, dnsResolvers: this.args.dnsResolvers, resourcePrefix: "tasks-" },
                    { parent: opts.parent, provider: this.cluster.provider },
                ),
        });
    }

    scheduledTask(spec: ScheduledTaskSpec, opts: PlacementOptions): void {
        const sa = this.serviceAccount({ ...spec, image: "", resources: spec.steps[0].resources }, opts.parent);
        const env = Object.assign({}, ...spec.steps.map((s) => s.env ?? {}));
        this.networkPolicies({ ...spec, image: "", resources: spec.steps[0].resources, env }, opts.parent);
        const scratch = scratchVolumes(spec.writablePaths);
        const work = { name: "work", emptyDir: { sizeLimit: "10Gi" } };
        const secretName = (n: string) => `${n}-${SECRET_SUFFIX}`;
        const files = secretFiles(env, secretName);
        const mounts = [{ name: "work", mountPath: spec.workDir }, ...scratch.mounts, ...files.mounts];
        const containers = spec.steps.map((s) => containerBase({ ...s, readOnlyRootFilesystem: spec.readOnlyRootFilesystem }, secretName, mounts));
        new batchV1.CronJob(
            spec.role,
            {
                metadata: this.meta(spec, spec.role),
                spec: {
                    schedule: spec.schedule,
                    concurrencyPolicy: "Forbid",
                    startingDeadlineSeconds: 3600,
                    successfulJobsHistoryLimit: 3,
                    failedJobsHistoryLimit: 3,
                    jobTemplate: {
                        spec: {
                            backoffLimit: 2,
                            activeDeadlineSeconds: 6 * 3600,
                            template: {
                                metadata: {
                                    labels: { ...standardLabels(this.args.stack, spec), ...markerLabels({ env }) },
                                    annotations: { "quorvex.io/credentials": credentialVersions(env) },
                                },
                                spec: {
                                    ...podSecurity(spec, spec.role),
                                    restartPolicy: "Never",
                                    // Every step but the last runs first, in order, as an init container.
                                    initContainers: containers.slice(0, -1),
                                    containers: containers.slice(-1),
                                    volumes: [work, ...scratch.volumes, ...files.volumes],
                                    ...this.placed(spec),
                                },
                            },
                        },
                    },
                },
            },
            this.opts(opts.parent, { dependsOn: [sa, ...storedSecrets(env)] }),
        );
    }

    route(spec: RouteSpec, opts: PlacementOptions): RouteHandle {
        const ctx: RouteContext = {
            namespace: this.namespace,
            way: this.args.way,
            entryPeer: this.entryPeer(),
            meta: (owner, name) => this.meta(owner, name),
            opts: (parent, extra) => this.opts(parent, extra),
            prerequisite: (name, read) => this.prerequisite(name, read),
            admit: (...a) => this.admit(...a),
        };
        return this.args.way.kind === "gateway" ? gatewayRoute(ctx, spec, opts) : ingressRoute(ctx, spec, opts);
    }
}
