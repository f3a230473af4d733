import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface KubernetesClusterArgs {
    namespace: string;
    kubeconfig: string | null;
    context: string | null;
    /** Write manifests to this directory instead of applying them. */
    renderYamlToDirectory: string | null;
    stack: string;
    /** Networks of DNS resolvers that are not kube-dns pods: every pod may reach them on port 53. */
    dnsResolvers: string[];
    /** Keep the namespace (and so every PVC in it) through `pulumi destroy`. */
    protection: { protect: boolean; retainOnDelete: boolean };
}

/** The provider, the namespace, and the namespace-wide network rules. */
export class KubernetesCluster extends pulumi.ComponentResource {
    public readonly provider: k8s.Provider;
    public readonly namespace: k8s.core.v1.Namespace;

    constructor(name: string, args: KubernetesClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("quorvex:platform:KubernetesCluster", name, {}, opts);
        this.provider = new k8s.Provider(
            `${name}-provider`,
            {
                kubeconfig: args.kubeconfig ?? undefined,
                context: args.context ?? undefined,
                renderYamlToDirectory: args.renderYamlToDirectory ?? undefined,
                enableServerSideApply: true,
                // A credential rotation updates its Secret in place instead of deleting and recreating it.
                enableSecretMutable: true,
            },
            { parent: this },
        );
        const labels = {
            "app.kubernetes.io/part-of": "quorvex",
            "app.kubernetes.io/managed-by": "pulumi",
            "app.kubernetes.io/instance": args.stack,
        };
        this.namespace = new k8s.core.v1.Namespace(
            args.namespace,
            {
                metadata: {
                    name: args.namespace,
                    // Every Quorvex pod meets the `restricted` Pod Security Standard; the namespace enforces it.
                    labels: {
                        ...labels,
                        "app.kubernetes.io/name": args.namespace,
                        "app.kubernetes.io/component": "namespace",
                        "pod-security.kubernetes.io/enforce": "restricted",
                        "pod-security.kubernetes.io/enforce-version": "latest",
                    },
                },
            },
            { parent: this, provider: this.provider, ...args.protection },
        );
        const ns = args.namespace;
        const o = { parent: this, provider: this.provider, dependsOn: [this.namespace] };
        const meta = (name: string) => ({
            name,
            namespace: ns,
            labels: { ...labels, "app.kubernetes.io/name": name, "app.kubernetes.io/component": "network" },
        });
        new k8s.networking.v1.NetworkPolicy(
            "default-deny",
            { metadata: meta("default-deny"), spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
            o,
        );
        new k8s.networking.v1.NetworkPolicy(
            "allow-dns",
            {
                metadata: meta("allow-dns"),
                spec: {
                    podSelector: {},
                    policyTypes: ["Egress"],
                    egress: [
                        {
                            to: [
                                {
                                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                                    podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                                },
                                // Where the resolver is not a kube-dns pod, pods resolve through these addresses.
                                ...args.dnsResolvers.map((cidr) => ({ ipBlock: { cidr } })),
                            ],
                            ports: [
                                { protocol: "UDP", port: 53 },
                                { protocol: "TCP", port: 53 },
                            ],
                        },
                    ],
                },
            },
            o,
        );
        this.registerOutputs({ namespace: ns });
    }
}
