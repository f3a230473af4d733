/**
 * The engine tier's Kubernetes control plane: etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler and kwok (fake nodes whose pods
 * become Running and Ready, and whose Job pods complete), all built from Go
 * modules by `npm run toolchain` and started by kwokctl's binary runtime.
 * Every component binds 127.0.0.1; all state lives in one temporary folder;
 * `dispose()` stops the processes and removes it.
 *
 * kwok's stages (what happens to a node or pod, and when) are live Stage
 * objects: its defaults from the kwok module, plus, while a test wants it,
 * one of ours that fails the pods of Jobs running a given image.
 *
 * What a real cluster has and kwok does not, the harness provides: one fake
 * node, a default StorageClass with PersistentVolumes it binds at once, the KEDA
 * and cert-manager custom resource definitions with the ClusterIssuer the stack
 * names, KEDA's admission rule (a webhook of ours, see keda-admission.ts),
 * the part of an ingress controller the provider waits for (it sets each
 * Ingress's load balancer status), Gateway API's real CRDs (the toolchain's
 * `crds` unit, with the prometheus-operator's PrometheusRule CRD) with a shared
 * Gateway as cluster admins would run it, and the
 * status reports of a Gateway API implementation (gateway-controller.ts). NetworkPolicies are stored, never enforced: there is no CNI.
 */
import { execFileSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { GATEWAY_CLASS, GATEWAY_CONTROLLER, GatewayController } from "./gateway-controller";
import { runProcess, type RunResult } from "./harness";
import { KedaAdmission, type Hpa } from "./keda-admission";

/** The binaries the cluster needs, all in the toolchain's bin folder, and kwok's default stages beside them. */
export const CLUSTER_BINARIES = [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kwok",
    "kwokctl",
    "kubectl",
    "kwok-stages.yaml",
    "gateway-api-crds.yaml",
    "prometheus-operator-crds.yaml",
] as const;

/** The folder holding every cluster binary (the toolchain's bin folder on PATH), or null. */
export function findClusterBinaries(): string | null {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        if (dir && CLUSTER_BINARIES.every((b) => fs.existsSync(path.join(dir, b)))) return dir;
    }
    return null;
}

/** The one fake node: room for the prod stack with its autoscaler at its maximum. */
const NODE = { name: "kwok-node-1", cpu: "256", memory: "2Ti", pods: "500" };

/**
 * A real node instead of the fake one (node.ts): the API server advertises the
 * node's address (where the node's end of the control plane's way in listens),
 * its certificate names that address and the `kubernetes` Service's, and the
 * PersistentVolumes are folders on that node.
 */
export interface RealNodeNetwork {
    name: string;
    address: string;
    serviceCidr: string;
    /** The `kubernetes` Service's address (the first of `serviceCidr`). */
    apiServiceAddress: string;
}
/** PersistentVolumes the StorageClass offers (each claim binds the smallest that fits). */
const VOLUMES = { count: 8, size: "1Ti" };
export const STORAGE_CLASS = "engine-tier-local";

/**
 * The custom kinds the stack creates (KEDA's) or reads (cert-manager's
 * ClusterIssuer). The API server needs their definitions; no operator runs,
 * so nothing acts on them. These minimal definitions of ours accept any
 * content: the real schemas are checked at plan level.
 */
const CUSTOM_KINDS = [
    { group: "keda.sh", version: "v1alpha1", kind: "ScaledObject", plural: "scaledobjects", scope: "Namespaced" },
    { group: "keda.sh", version: "v1alpha1", kind: "ScaledJob", plural: "scaledjobs", scope: "Namespaced" },
    { group: "keda.sh", version: "v1alpha1", kind: "TriggerAuthentication", plural: "triggerauthentications", scope: "Namespaced" },
    { group: "cert-manager.io", version: "v1", kind: "ClusterIssuer", plural: "clusterissuers", scope: "Cluster" },
];

/** The shared Gateway the checked-in prod stack attaches to (`ingress.gateway`), as cluster admins would run it. */
export const SHARED_GATEWAY = {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "public", namespace: "gateway-system" },
    spec: {
        gatewayClassName: GATEWAY_CLASS,
        listeners: [
            {
                name: "https",
                protocol: "HTTPS",
                port: 443,
                hostname: "*.example.com",
                tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: "public-tls" }] },
                allowedRoutes: { namespaces: { from: "All" } },
            },
            { name: "http", protocol: "HTTP", port: 80, allowedRoutes: { namespaces: { from: "Same" } } },
        ],
    },
};

/** The ClusterIssuer the prod stack names (`ingress.tls.clusterIssuer`). */
export const CLUSTER_ISSUER = {
    apiVersion: "cert-manager.io/v1",
    kind: "ClusterIssuer",
    metadata: { name: "letsencrypt-prod" },
    spec: {
        acme: {
            server: "https://acme.invalid/directory",
            privateKeySecretRef: { name: "letsencrypt-prod" },
            solvers: [{ http01: { ingress: { ingressClassName: "nginx" } } }],
        },
    },
};

function customResourceDefinition({ group, version, kind, plural, scope }: (typeof CUSTOM_KINDS)[number]): object {
    return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `${plural}.${group}` },
        spec: {
            group,
            scope,
            names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
            versions: [
                {
                    name: version,
                    served: true,
                    storage: true,
                    schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
                    subresources: { status: {} },
                },
            ],
        },
    };
}

const run = (bin: string, args: string[], env: NodeJS.ProcessEnv, input = "") => runProcess(bin, args, { env, input });

export class Cluster {
    readonly kubeconfig: string;
    private readonly name: string;
    private readonly env: NodeJS.ProcessEnv;
    private ingressTimer: NodeJS.Timeout | null = null;
    private ingressBusy = false;
    private keda: KedaAdmission | null = null;

    private constructor(
        readonly tmp: string,
        readonly bin: string,
        readonly realNode: RealNodeNetwork | null,
    ) {
        this.name = `quorvex-${randomBytes(4).toString("hex")}`;
        this.kubeconfig = path.join(tmp, "kubeconfig");
        // kwokctl keeps every cluster file under KWOK_WORKDIR: nothing in the user's home.
        this.env = { ...process.env, KWOK_WORKDIR: path.join(tmp, "kwok"), KUBECONFIG: this.kubeconfig };
    }

    /** Creates and starts the control plane (for kwok's fake node, or for `realNode`); fails with the step and its output. */
    static async start(bin: string, realNode: RealNodeNetwork | null = null): Promise<Cluster> {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "quorvex-cluster-"));
        const c = new Cluster(tmp, bin, realNode);
        try {
            await c.create();
            await c.provide();
        } catch (e) {
            await c.dispose();
            throw e;
        }
        return c;
    }

    private async create(): Promise<void> {
        const config = path.join(this.tmp, "kwokctl.yaml");
        const b = (name: string) => path.join(this.bin, name);
        fs.writeFileSync(
            config,
            stringify({
                apiVersion: "config.kwok.x-k8s.io/v1alpha1",
                kind: "KwokctlConfiguration",
                options: {
                    runtime: "binary",
                    kubeVersion: "v1.36.1",
                    // kwokctl's default is 0.0.0.0: the control plane listens on loopback only.
                    bindAddress: "127.0.0.1",
                    securePort: true,
                    kubeAuthorization: true,
                    kubeAdmission: true,
                    // Stages as objects, so a test can add and remove a failure while the cluster runs.
                    enableCRDs: ["Stage"],
                    etcdBinary: b("etcd"),
                    kubeApiserverBinary: b("kube-apiserver"),
                    kubeControllerManagerBinary: b("kube-controller-manager"),
                    kubeSchedulerBinary: b("kube-scheduler"),
                    kwokControllerBinary: b("kwok"),
                    kubectlBinary: b("kubectl"),
                    cacheDir: path.join(this.tmp, "kwok", "cache"),
                    ...(this.realNode ? { kubeApiserverCertSANs: [this.realNode.address, this.realNode.apiServiceAddress] } : {}),
                },
                componentsPatches: this.realNode
                    ? [
                          {
                              name: "kube-apiserver",
                              extraArgs: [
                                  { key: "advertise-address", value: this.realNode.address },
                                  { key: "service-cluster-ip-range", value: this.realNode.serviceCidr },
                                  // The aggregation layer as kubeadm sets it up: an extension API server (KEDA's
                                  // metrics API server, which trusts only its own CA for client certificates)
                                  // authenticates the API server's proxy by this CA and reads the user from its headers.
                                  { key: "requestheader-client-ca-file", value: path.join(this.clusterDir, "pki", "ca.crt") },
                                  // kwokctl's one client certificate, which the API server's proxy presents too.
                                  { key: "requestheader-allowed-names", value: "kwok-admin" },
                                  { key: "requestheader-username-headers", value: "X-Remote-User" },
                                  { key: "requestheader-group-headers", value: "X-Remote-Group" },
                                  { key: "requestheader-extra-headers-prefix", value: "X-Remote-Extra-" },
                              ],
                          },
                          // kwok takes every node by default (binary runtime): only its own fake ones here, never the real node.
                          {
                              name: "kwok-controller",
                              extraArgs: [
                                  { key: "manage-all-nodes", value: "false", override: true },
                                  { key: "manage-nodes-with-annotation-selector", value: "kwok.x-k8s.io/node=fake" },
                              ],
                          },
                      ]
                    : [],
            }),
        );
        const r = await run(
            path.join(this.bin, "kwokctl"),
            ["--config", config, "create", "cluster", "--name", this.name, "--kubeconfig", this.kubeconfig, "--wait", "120s"],
            this.env,
        );
        if (r.code !== 0) {
            const log = path.join(this.clusterDir, "logs", "kube-apiserver.log");
            const tail = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").slice(-15).join("\n") : "(no API server log)";
            throw new Error(`kwokctl create cluster failed (exit ${r.code})\n${r.stderr.split("\n").slice(-5).join("\n")}\n--- kube-apiserver.log\n${tail}`);
        }
    }

    /** kwokctl's folder for this cluster: its certificates (`pki`) and its components' logs. */
    private get clusterDir(): string {
        return path.join(this.env.KWOK_WORKDIR!, "clusters", this.name);
    }

    /** The node, the storage and the ingress status a real cluster would have. */
    private async provide(): Promise<void> {
        await this.ok(["apply", "--server-side", "-f", path.join(this.bin, "kwok-stages.yaml")]);
        const nodeName = this.realNode?.name ?? NODE.name;
        const fakeNode = {
            apiVersion: "v1",
            kind: "Node",
            metadata: {
                name: NODE.name,
                annotations: { "node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake" },
                labels: { "kubernetes.io/hostname": NODE.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", type: "kwok" },
            },
            status: {
                allocatable: { cpu: NODE.cpu, memory: NODE.memory, pods: NODE.pods },
                capacity: { cpu: NODE.cpu, memory: NODE.memory, pods: NODE.pods },
            },
        };
        const volumeDir = (i: number) => (this.realNode ? path.join(this.tmp, "volumes", `pv-${i}`) : `/var/lib/engine-pv-${i}`);
        if (this.realNode) for (let i = 1; i <= VOLUMES.count; i++) fs.mkdirSync(volumeDir(i), { recursive: true });
        const docs: object[] = [
            ...(this.realNode ? [] : [fakeNode]),
            {
                apiVersion: "storage.k8s.io/v1",
                kind: "StorageClass",
                metadata: { name: STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
                provisioner: "kubernetes.io/no-provisioner",
                // Immediate, not WaitForFirstConsumer: the only provider build we can make (January 2026) awaits
                // an *updated* claim of a WaitForFirstConsumer class until it is Pending again, that is for
                // 5 minutes and then fails (pulumi/pulumi-kubernetes#4179, fixed in the provider users run).
                volumeBindingMode: "Immediate",
                reclaimPolicy: "Retain",
            },
            ...Array.from({ length: VOLUMES.count }, (_, i) => ({
                apiVersion: "v1",
                kind: "PersistentVolume",
                metadata: { name: `engine-pv-${i + 1}` },
                spec: {
                    capacity: { storage: VOLUMES.size },
                    accessModes: ["ReadWriteOnce"],
                    persistentVolumeReclaimPolicy: "Retain",
                    storageClassName: STORAGE_CLASS,
                    local: { path: volumeDir(i + 1) },
                    nodeAffinity: {
                        required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [nodeName] }] }] },
                    },
                },
            })),
        ];
        await this.apply([...docs, ...CUSTOM_KINDS.map(customResourceDefinition)]);
        await this.ok(["wait", "--for=condition=Established", "--timeout=60s", ...CUSTOM_KINDS.map((k) => `crd/${k.plural}.${k.group}`)]);
        await this.apply([CLUSTER_ISSUER]);
        // Gateway API's standard channel, as the module publishes it; the class the harness reports for, and the shared Gateway.
        await this.ok(["apply", "--server-side", "-f", path.join(this.bin, "gateway-api-crds.yaml")]);
        // The prometheus-operator's PrometheusRule and ServiceMonitor, as its module publishes them (no operator runs).
        await this.ok(["apply", "--server-side", "-f", path.join(this.bin, "prometheus-operator-crds.yaml")]);
        await this.ok([
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            "crd/gateways.gateway.networking.k8s.io",
            "crd/httproutes.gateway.networking.k8s.io",
            "crd/prometheusrules.monitoring.coreos.com",
            "crd/servicemonitors.monitoring.coreos.com",
        ]);
        await this.apply([
            {
                apiVersion: "gateway.networking.k8s.io/v1",
                kind: "GatewayClass",
                metadata: { name: GATEWAY_CLASS },
                spec: { controllerName: GATEWAY_CONTROLLER },
            },
            { apiVersion: "v1", kind: "Namespace", metadata: { name: SHARED_GATEWAY.metadata.namespace } },
            SHARED_GATEWAY,
        ]);
        // KEDA's admission webhook: a ScaledObject is refused while another HPA scales its target.
        this.keda = await KedaAdmission.start(this.tmp, (namespace) => {
            const out = execFileSync(path.join(this.bin, "kubectl"), ["--kubeconfig", this.kubeconfig, "get", "hpa", "-n", namespace, "-o", "json"], {
                env: this.env,
            });
            return (JSON.parse(out.toString("utf8")) as { items: Hpa[] }).items;
        });
        await this.apply([this.keda.configuration()]);
        const gateways = new GatewayController((args, input) => this.kubectl(args, input));
        // A round that fails (the cluster going away at the end) is retried on the next tick, never left unhandled.
        this.ingressTimer = setInterval(
            () =>
                void this.admitIngresses()
                    .then(() => gateways.reconcile())
                    .catch(() => undefined),
            1000,
        );
    }

    /**
     * From now on, every pod of a Job whose first container runs `image` fails
     * (exit code 1) instead of completing; `fixed()` ends it.
     */
    async failJobsRunning(image: string): Promise<{ fixed: () => Promise<void> }> {
        const name = "engine-job-pod-fails";
        await this.apply([
            {
                apiVersion: "kwok.x-k8s.io/v1alpha1",
                kind: "Stage",
                metadata: { name },
                spec: {
                    resourceRef: { apiGroup: "v1", kind: "Pod" },
                    // Chosen over kwok's own pod-complete stage, which matches the same pods with weight 0.
                    weight: 1,
                    selector: {
                        matchExpressions: [
                            { key: ".metadata.deletionTimestamp", operator: "DoesNotExist" },
                            { key: ".status.phase", operator: "In", values: ["Running"] },
                            { key: ".metadata.ownerReferences.[].kind", operator: "In", values: ["Job"] },
                            { key: ".spec.containers.[0].image", operator: "In", values: [image] },
                        ],
                    },
                    next: {
                        statusTemplate: [
                            "{{ $now := Now }}",
                            "containerStatuses:",
                            "{{ range .spec.containers }}",
                            "- image: {{ .image | Quote }}",
                            "  name: {{ .name | Quote }}",
                            "  ready: false",
                            "  restartCount: 0",
                            "  started: false",
                            "  state:",
                            "    terminated:",
                            "      exitCode: 1",
                            "      reason: Error",
                            "      startedAt: {{ $now | Quote }}",
                            "      finishedAt: {{ $now | Quote }}",
                            "{{ end }}",
                            "phase: Failed",
                        ].join("\n"),
                    },
                },
            },
        ]);
        return { fixed: async () => void (await this.ok(["delete", "stage.kwok.x-k8s.io", name])) };
    }

    /**
     * A kubeconfig for another identity: a client certificate for `user` in
     * `groups`, signed by the cluster's CA (openssl), on the same server.
     */
    identity(user: string, groups: string[]): string {
        const dir = fs.mkdtempSync(path.join(this.tmp, `identity-${user}-`));
        const pki = path.join(this.clusterDir, "pki");
        const key = path.join(dir, "client.key");
        const csr = path.join(dir, "client.csr");
        const crt = path.join(dir, "client.crt");
        const subject = `/CN=${user}${groups.map((g) => `/O=${g}`).join("")}`;
        execFileSync("openssl", ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", subject], { stdio: "ignore" });
        execFileSync(
            "openssl",
            ["x509", "-req", "-in", csr, "-CA", path.join(pki, "ca.crt"), "-CAkey", path.join(pki, "ca.key"), "-CAcreateserial", "-days", "1", "-out", crt],
            {
                stdio: "ignore",
            },
        );
        const admin = parse(fs.readFileSync(this.kubeconfig, "utf8")) as { clusters: { name: string; cluster: object }[] };
        const cluster = admin.clusters[0];
        const file = path.join(dir, "kubeconfig");
        fs.writeFileSync(
            file,
            stringify({
                apiVersion: "v1",
                kind: "Config",
                clusters: [cluster],
                users: [{ name: user, user: { "client-certificate": crt, "client-key": key } }],
                contexts: [{ name: user, context: { cluster: cluster.name, user } }],
                "current-context": user,
            }),
        );
        return file;
    }

    /** `kubectl ARGS` as the admin, or as the identity of `kubeconfig` (see `identity`). */
    kubectl(args: string[], input?: string, kubeconfig = this.kubeconfig): Promise<RunResult> {
        return run(path.join(this.bin, "kubectl"), ["--kubeconfig", kubeconfig, ...args], this.env, input);
    }

    /** `kubectl ARGS`, failing with its output when it does not exit 0. */
    async ok(args: string[], input?: string): Promise<string> {
        const r = await this.kubectl(args, input);
        if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
        return r.stdout;
    }

    async apply(docs: object[]): Promise<void> {
        await this.ok(["apply", "--server-side", "-f", "-"], docs.map((d) => `---\n${stringify(d)}`).join(""));
    }

    async getJson<T = Record<string, unknown>>(args: string[]): Promise<T> {
        return JSON.parse(await this.ok(["get", ...args, "-o", "json"])) as T;
    }

    /** An ingress controller's one visible act: the load balancer address in each Ingress's status. */
    private async admitIngresses(): Promise<void> {
        if (this.ingressBusy) return;
        this.ingressBusy = true;
        try {
            const r = await this.kubectl(["get", "ingress", "-A", "-o", "json"]);
            if (r.code !== 0) return;
            const list = JSON.parse(r.stdout) as {
                items: { metadata: { name: string; namespace: string }; status?: { loadBalancer?: { ingress?: unknown[] } } }[];
            };
            for (const ing of list.items) {
                if (ing.status?.loadBalancer?.ingress?.length) continue;
                await this.kubectl([
                    "patch",
                    "ingress",
                    ing.metadata.name,
                    "-n",
                    ing.metadata.namespace,
                    "--subresource=status",
                    "--type=merge",
                    "-p",
                    JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: "127.0.0.1" }] } } }),
                ]);
            }
        } finally {
            this.ingressBusy = false;
        }
    }

    async dispose(): Promise<void> {
        if (this.ingressTimer) clearInterval(this.ingressTimer);
        await this.keda?.close();
        await run(path.join(this.bin, "kwokctl"), ["delete", "cluster", "--name", this.name], this.env).catch(() => undefined);
        fs.rmSync(this.tmp, { recursive: true, force: true });
    }
}
