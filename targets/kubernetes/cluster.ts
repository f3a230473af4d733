import * as coreV1 from "@pulumi/kubernetes/core/v1";
import * as networkingV1 from "@pulumi/kubernetes/networking/v1";
import { Provider } from "@pulumi/kubernetes/provider";
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
    public readonly provider: Provider;
    public readonly namespace: coreV1.Namespace;

    constructor(name: string, args: KubernetesClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("quorvex:platform:KubernetesCluster", name, {}, opts);
        this.provider = new Provider(
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
        this.namespace = isolatedNamespace(
            { name: args.namespace, stack: args.stack, dnsResolvers: args.dnsResolvers, resourcePrefix: "", protection: args.protection },
            { parent: this, provider: this.provider },
        );
        const ns = args.namespace;
        this.registerOutputs({ namespace: ns });
    }
}

export interface IsolatedNamespaceArgs {
    name: string;
    stack: string;
    /** Networks of DNS resolvers that are not kube-dns pods. */
    dnsResolvers: string[];
    /** Prefixed to the names of its policies' resources (so a second namespace's do not collide). */
    resourcePrefix: string;
    protection?: { protect: boolean; retainOnDelete: boolean };
}

/**
 * A namespace that enforces the `restricted` Pod Security Standard and denies all traffic but DNS:
 * every other connection is a NetworkPolicy of its own.
 */
export function isolatedNamespace(args: IsolatedNamespaceArgs, o: { parent: pulumi.Resource; provider: Provider }): coreV1.Namespace {
    const labels = {
        "app.kubernetes.io/part-of": "quorvex",
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/instance": args.stack,
    };
    const namespace = new coreV1.Namespace(
        args.name,
        {
            metadata: {
                name: args.name,
                // Every Quorvex pod meets the `restricted` Pod Security Standard; the namespace enforces it.
                labels: {
                    ...labels,
                    "app.kubernetes.io/name": args.name,
                    "app.kubernetes.io/component": "namespace",
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                },
            },
        },
        { ...o, ...args.protection },
    );
    const inside = { ...o, dependsOn: [namespace] };
    const meta = (name: string) => ({
        name,
        namespace: args.name,
        labels: { ...labels, "app.kubernetes.io/name": name, "app.kubernetes.io/component": "network" },
    });
    new networkingV1.NetworkPolicy(
        `${args.resourcePrefix}default-deny`,
        { metadata: meta("default-deny"), spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
        inside,
    );
    new networkingV1.NetworkPolicy(
        `${args.resourcePrefix}allow-dns`,
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
        inside,
    );
    return namespace;
}
