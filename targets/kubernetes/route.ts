/**
 * The way in on Kubernetes: an Ingress written for a named controller, or a Gateway API
 * HTTPRoute attached to a shared Gateway or to one the stack creates. Either way the
 * certificate, the NetworkPolicies that let the traffic in, and what `up` waits for.
 */
import type * as k8s from "@pulumi/kubernetes";
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import * as coreV1 from "@pulumi/kubernetes/core/v1";
import * as networkingV1 from "@pulumi/kubernetes/networking/v1";
import * as pulumi from "@pulumi/pulumi";
import type { PlacementOptions, RouteHandle, RouteSpec, WorkloadSpec } from "../contract";
import type { TargetView } from "../plugin";
import { routeCertificate } from "../tls";
import { INGRESS_PROFILES } from "./ingress-profiles";

export const GATEWAY_API = "gateway.networking.k8s.io/v1";

/** How the stack's way in is built (`ingress.*`). */
export type WaySettings = Pick<TargetView["ingress"], "kind" | "controller" | "className" | "annotations" | "gateway">;

type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Owner = Pick<WorkloadSpec, "role" | "component">;

/** What the route needs of the target. */
export interface RouteContext {
    namespace: string;
    way: WaySettings;
    /** Who sends traffic in: the ingress controller's pods, or the Gateway's proxies. */
    entryPeer: Peer;
    meta(owner: Owner, name: string): { name: string; namespace: string; labels: Record<string, string> };
    opts(parent: pulumi.Resource, extra?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions;
    prerequisite(name: string, read: (opts: pulumi.CustomResourceOptions) => pulumi.Resource): pulumi.Resource[];
    admit(owner: Owner, name: string, to: Record<string, string>, from: Peer, ports: number[], parent: pulumi.Resource): void;
}

/** cert-manager's HTTP-01 solver pods: their label and the port they answer on. */
const ACME_SOLVER = { labels: { "acme.cert-manager.io/http01-solver": "true" }, port: 8089 };

/**
 * A Gateway that exists, read with its spec (the SDK's `CustomResource.get` reads no more than
 * its metadata). Its namespace goes in the metadata too: given a kind, the provider reads the
 * object in the namespace its inputs name, not the one of the id (a real API server answered
 * "does not exist" for a Gateway of another namespace).
 */
class LiveGateway extends pulumi.CustomResource {
    declare readonly spec: pulumi.Output<{ listeners?: { name: string; protocol: string }[] } | undefined>;
    constructor(name: string, at: { namespace: string; name: string }, opts: pulumi.CustomResourceOptions) {
        super(
            `kubernetes:${GATEWAY_API}:Gateway`,
            name,
            { apiVersion: GATEWAY_API, kind: "Gateway", metadata: at, spec: undefined },
            {
                ...opts,
                id: `${at.namespace}/${at.name}`,
            },
        );
    }
}

/** The name of the stack's own Gateway when `ingress.gateway.name` is null. */
export const OWN_GATEWAY = "quorvex";

/** The IngressClass a stack's Ingress names. */
export const ingressClassOf = (way: WaySettings) => way.className ?? INGRESS_PROFILES[way.controller].className;

/**
 * Where the certificate comes from: cert-manager (its ClusterIssuer read as a prerequisite, and its
 * HTTP-01 solver let in), an existing Secret, or a Secret the stack writes from a generated or
 * provided one. `annotations` receives what cert-manager reads.
 */
function certificate(ctx: RouteContext, spec: RouteSpec, opts: PlacementOptions, annotations: Record<string, string>) {
    const meta = { role: spec.role, component: "ingress" };
    const t = spec.tls;
    if (t.mode === "certManager") {
        annotations["cert-manager.io/cluster-issuer"] = t.clusterIssuer!;
        const issuer = ctx.prerequisite(`cluster-issuer-${t.clusterIssuer!}`, (o) =>
            CustomResource.get(`cluster-issuer-${t.clusterIssuer!}`, {
                ...o,
                apiVersion: "cert-manager.io/v1",
                kind: "ClusterIssuer",
                id: t.clusterIssuer!,
            }),
        );
        // cert-manager answers an HTTP-01 challenge from a solver pod it creates in this namespace:
        // the way in must reach it through the namespace's default-deny, or no certificate is ever issued.
        ctx.admit(meta, `acme-http01-from-${ctx.way.kind}`, ACME_SOLVER.labels, ctx.entryPeer, [ACME_SOLVER.port], opts.parent);
        return { secretName: `${spec.role}-tls`, pem: null, issuer };
    }
    if (t.mode === "secret") return { secretName: t.secretName!, pem: null, issuer: [] };
    const pem = routeCertificate(spec, opts.parent);
    if (!pem) return { secretName: undefined, pem: null, issuer: [] };
    const secretName = `${spec.role}-tls`;
    new coreV1.Secret(
        secretName,
        { metadata: ctx.meta(meta, secretName), type: "kubernetes.io/tls", stringData: { "tls.crt": pem.certPem, "tls.key": pem.keyPem } },
        ctx.opts(opts.parent),
    );
    return { secretName, pem, issuer: [] };
}

/** A spec change bumps an object's generation (a rollout of the backend, an edit of the route); status updates do not. */
function revision(objects: pulumi.Resource[]): pulumi.Output<string> {
    return pulumi.all(objects.map((r) => (r as networkingV1.Ingress).metadata.generation)).apply((g) => g.join(","));
}

export function ingressRoute(ctx: RouteContext, spec: RouteSpec, opts: PlacementOptions): RouteHandle {
    const meta = { role: spec.role, component: "ingress" };
    const profile = INGRESS_PROFILES[ctx.way.controller];
    const tlsOn = spec.tls.mode !== "none";
    const annotations: Record<string, string> = profile.annotations({
        maxBodySize: spec.maxBodySize,
        timeoutSeconds: spec.timeoutSeconds,
        tls: tlsOn,
        websocketServices: spec.websocketPaths?.length ? [spec.backend.role] : [],
    });
    const cert = certificate(ctx, spec, opts, annotations);
    Object.assign(annotations, ctx.way.annotations);
    const backendPort = spec.backend.ports[spec.port];
    const ingress = new networkingV1.Ingress(
        spec.role,
        {
            metadata: { ...ctx.meta(meta, spec.role), annotations },
            spec: {
                ingressClassName: ingressClassOf(ctx.way),
                tls: cert.secretName ? [{ hosts: [spec.host], secretName: cert.secretName }] : undefined,
                rules: [
                    {
                        host: spec.host,
                        http: {
                            paths: [
                                ...(spec.websocketPaths ?? []).map((w) => ({
                                    path: w.path,
                                    pathType: "Prefix",
                                    backend: { service: { name: spec.backend.role, port: { number: spec.backend.ports[w.port] } } },
                                })),
                                { path: "/", pathType: "Prefix", backend: { service: { name: spec.backend.role, port: { number: backendPort } } } },
                            ],
                        },
                    },
                ],
            },
        },
        ctx.opts(opts.parent, { dependsOn: [...spec.backend.ready, ...cert.issuer] }),
    );
    return {
        url: `${cert.secretName ? "https" : "http"}://${spec.host}`,
        kind: "ingress",
        ready: [ingress],
        entry: { connect: null, trust: cert.pem ? cert.pem.certPem : null, revision: revision([ingress, ...spec.backend.ready]) },
    };
}

/** `up` waits until the Gateway's controller has accepted the route and resolved its backends (what a real controller reports). */
const ROUTE_ACCEPTED = JSON.stringify([
    'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}=True',
    'jsonpath={.status.parents[0].conditions[?(@.type=="ResolvedRefs")].status}=True',
]);

export function gatewayRoute(ctx: RouteContext, spec: RouteSpec, opts: PlacementOptions): RouteHandle {
    const meta = { role: spec.role, component: "ingress" };
    const g = ctx.way.gateway;
    const tlsOn = spec.tls.mode !== "none";
    const waits: pulumi.Resource[] = [];
    let pem: ReturnType<typeof routeCertificate> = null;
    let parent: { name: string; namespace: string; sectionName: pulumi.Input<string> };
    let checked: pulumi.Output<string> | undefined;
    if (g.className) {
        // The stack's own Gateway: HTTPS for the host with the stack's certificate, and HTTP that only redirects.
        const gwAnnotations: Record<string, string> = {};
        const cert = tlsOn ? certificate(ctx, spec, opts, gwAnnotations) : null;
        pem = cert?.pem ?? null;
        const name = g.name ?? OWN_GATEWAY;
        const listeners: object[] = [{ name: "http", protocol: "HTTP", port: 80, hostname: spec.host, allowedRoutes: { namespaces: { from: "Same" } } }];
        if (cert?.secretName) {
            listeners.unshift({
                name: "https",
                protocol: "HTTPS",
                port: 443,
                hostname: spec.host,
                tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: cert.secretName }] },
                allowedRoutes: { namespaces: { from: "Same" } },
            });
        }
        const gateway = new CustomResource(
            `${spec.role}-gateway`,
            {
                apiVersion: GATEWAY_API,
                kind: "Gateway",
                metadata: {
                    ...ctx.meta(meta, name),
                    annotations: { ...gwAnnotations, "pulumi.com/waitFor": "condition=Programmed" },
                },
                spec: { gatewayClassName: g.className, listeners },
            },
            ctx.opts(opts.parent, { dependsOn: cert?.issuer ?? [] }),
        );
        waits.push(gateway);
        parent = { name, namespace: ctx.namespace, sectionName: cert?.secretName ? "https" : "http" };
        if (cert?.secretName) {
            new CustomResource(
                `${spec.role}-redirect`,
                {
                    apiVersion: GATEWAY_API,
                    kind: "HTTPRoute",
                    metadata: { ...ctx.meta(meta, `${spec.role}-redirect`), annotations: { "pulumi.com/waitFor": ROUTE_ACCEPTED } },
                    spec: {
                        parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name, namespace: ctx.namespace, sectionName: "http" }],
                        hostnames: [spec.host],
                        rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
                    },
                },
                ctx.opts(opts.parent, { dependsOn: [gateway] }),
            );
        }
    } else {
        // A shared Gateway, read as a prerequisite: a missing one fails the preview with its name.
        const shared = { name: g.name!, namespace: g.namespace ?? ctx.namespace, sectionName: g.sectionName! };
        parent = shared;
        const read = ctx.prerequisite(
            `gateway-${shared.namespace}-${shared.name}`,
            (o) => new LiveGateway(`gateway-${shared.namespace}-${shared.name}`, { namespace: shared.namespace, name: shared.name }, o),
        ) as LiveGateway[];
        waits.push(...read);
        // The listener the route attaches to, as the live Gateway has it: it must exist, and serve
        // HTTPS unless the stack asked for none. Nothing to read when rendering YAML.
        for (const gw of read) {
            checked = gw.spec.apply((live) => {
                if (!live) return shared.sectionName;
                const listener = live.listeners?.find((l) => l.name === shared.sectionName);
                const where = `Gateway ${shared.namespace}/${shared.name}`;
                if (!listener)
                    throw new pulumi.RunError(
                        `ingress.gateway.sectionName: ${where} has no listener \`${shared.sectionName}\` (it has ${(live.listeners ?? []).map((l) => l.name).join(", ") || "none"})`,
                    );
                if (tlsOn && listener.protocol !== "HTTPS")
                    throw new pulumi.RunError(
                        `ingress.gateway.sectionName: listener \`${shared.sectionName}\` of ${where} is ${listener.protocol}, not HTTPS: name its HTTPS listener (or set ingress.tls.mode to none)`,
                    );
                return shared.sectionName;
            });
        }
    }
    const timeouts = { request: `${spec.timeoutSeconds}s` };
    const backendRef = (port: string) => [{ kind: "Service", name: spec.backend.role, port: spec.backend.ports[port] }];
    const route = new CustomResource(
        spec.role,
        {
            apiVersion: GATEWAY_API,
            kind: "HTTPRoute",
            metadata: { ...ctx.meta(meta, spec.role), annotations: { ...ctx.way.annotations, "pulumi.com/waitFor": ROUTE_ACCEPTED } },
            spec: {
                parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", ...parent, sectionName: checked ?? parent.sectionName }],
                hostnames: [spec.host],
                rules: [
                    // The Gateway passes a WebSocket upgrade through; the VNC stream needs only its path.
                    ...(spec.websocketPaths ?? []).map((w) => ({
                        matches: [{ path: { type: "PathPrefix", value: w.path } }],
                        backendRefs: backendRef(w.port),
                        timeouts,
                    })),
                    { matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: backendRef(spec.port), timeouts },
                ],
            },
        },
        ctx.opts(opts.parent, { dependsOn: [...spec.backend.ready, ...waits] }),
    );
    return {
        url: `${tlsOn ? "https" : "http"}://${spec.host}`,
        kind: "httproute",
        ready: [route],
        entry: { connect: null, trust: pem ? pem.certPem : null, revision: revision([route, ...spec.backend.ready]) },
    };
}
