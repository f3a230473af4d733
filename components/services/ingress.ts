/**
 * The way in's config section: host, TLS, limits, what kind of route (Kubernetes: an Ingress for
 * a named controller, or a Gateway API HTTPRoute), and (Docker) where the proxy publishes.
 */
import { z } from "zod";
import { annotations, bool, dnsLabel, dnsSubdomain, hostname, INGRESS_CONTROLLERS, int, list, podLabels, port, ROUTE_KINDS, tls } from "../../config/fields";
import type { ServicePlugin } from "../plugin";

const nullable = <T extends z.ZodType>(t: T) => z.union([t, z.null()]);

const section = z.strictObject({
    host: hostname,
    kind: z.enum(ROUTE_KINDS, { error: `must be ${list(ROUTE_KINDS)}` }),
    controller: z.enum(INGRESS_CONTROLLERS, { error: `must be ${list(INGRESS_CONTROLLERS)}` }),
    className: nullable(dnsSubdomain),
    annotations,
    gateway: z.strictObject({
        name: nullable(dnsSubdomain),
        namespace: nullable(dnsLabel),
        sectionName: nullable(dnsLabel),
        className: nullable(dnsSubdomain),
        dataPlaneNamespace: nullable(dnsLabel),
        dataPlanePodLabels: podLabels,
    }),
    tls,
    maxBodySize: nullable(z.string().regex(/^\d{1,9}[kmg]?$/, { error: "must be an nginx size such as 512m, or null" })),
    timeoutSeconds: int(1, 86400),
    bindAddress: z.union([z.ipv4({ error: "must be an IPv4 address such as 127.0.0.1" }), z.literal("0.0.0.0")]),
    httpPort: port,
    httpsPort: port,
    check: z.strictObject({ enabled: bool, timeoutSeconds: int(1, 3600) }),
});

export const ingress: ServicePlugin<"ingress", typeof section> = {
    name: "ingress",
    description: "the way in",
    config: {
        schema: section,
        defaults: {
            host: "quorvex.localhost",
            // An Ingress, so a stack that sets nothing keeps its entry point (docs/gateway.md moves it).
            kind: "ingress",
            controller: "ingress-nginx",
            className: null,
            annotations: {},
            gateway: { name: null, namespace: null, sectionName: null, className: null, dataPlaneNamespace: null, dataPlanePodLabels: [] },
            tls: { mode: "selfSigned", secretName: null, clusterIssuer: null, certificate: null, key: null },
            maxBodySize: "512m",
            timeoutSeconds: 3600,
            bindAddress: "127.0.0.1",
            httpPort: 80,
            httpsPort: 443,
            // After every up that changes the way in: the backend answers through it (docs/operations.md).
            check: { enabled: true, timeoutSeconds: 300 },
        },
        docs: {
            host: "Public host name.",
            kind: "Kubernetes: `ingress` (an Ingress for `controller`) or `gateway` (a Gateway API HTTPRoute, docs/gateway.md).",
            controller:
                "Kubernetes, `kind: ingress`: whose Ingress settings to write (`ingress-nginx`, `f5-nginx`, `haproxy`, `traefik`; `other`: only `className` and `annotations`).",
            className: "Kubernetes, `kind: ingress`: the IngressClass; null: the controller's usual one (`nginx`, `nginx`, `haproxy`, `traefik`).",
            annotations: "Kubernetes: annotations added to the Ingress or HTTPRoute, over the controller's own.",
            "gateway.name":
                "`kind: gateway`: the Gateway the route attaches to (a shared one, owned by the cluster's admins); with `gateway.className`, the name of the stack's own (null: `quorvex`).",
            "gateway.namespace": "The shared Gateway's namespace (null: the platform's).",
            "gateway.sectionName":
                "The shared Gateway's listener the route attaches to (its HTTPS one): required, or the route would attach to plain HTTP listeners too.",
            "gateway.className":
                "A GatewayClass: the stack creates its own Gateway in its namespace (HTTPS for the host with the certificate from `tls`, HTTP redirecting to it); null: attach to the shared one.",
            "gateway.dataPlaneNamespace": "Namespace of the Gateway's proxy pods (the only source admitted to the backend): required with `kind: gateway`.",
            "gateway.dataPlanePodLabels": "Labels of those proxy pods, `key=value` items; `[]`: every pod of that namespace.",
            "tls.mode":
                "`selfSigned` (generated), `provided` (certificate and key below), `secret` (existing TLS secret, Kubernetes), `certManager` (ClusterIssuer, Kubernetes), or `none`.",
            "tls.certificate": "PEM certificate chain for `provided` mode.",
            "tls.key": "PEM private key for `provided` mode: `pulumi config set --secret --path quorvex:ingress.tls.key < key.pem`. Never shown in messages.",
            "tls.secretName": "TLS secret for `secret` mode.",
            "tls.clusterIssuer": "cert-manager ClusterIssuer for `certManager` mode.",
            maxBodySize:
                "Largest upload (nginx notation); null: the way in sets none. An HTTPRoute and some controllers have no such setting: then a value warns (docs/gateway.md says what enforces it there).",
            timeoutSeconds: "Proxy read/send timeout: long API calls and the VNC WebSocket.",
            "check.enabled":
                "After every `up` that changes the backend, the route or its certificate, GET the readiness path through the way in from the deploying machine (TLS checked for the host) and fail the `up` if it does not answer 200; on Docker it is also what `up` waits for the backend with. Turn off on runners that cannot reach the host.",
            "check.timeoutSeconds": "How long the check retries (a new certificate or load balancer can take minutes) before it fails the `up`.",
            bindAddress: "Docker: host address the proxy publishes on (0.0.0.0 to serve a team).",
            httpPort: "Docker: host HTTP port (redirects to HTTPS).",
            httpsPort: "Docker: host HTTPS port.",
        },
    },
    rules: (own, rule) => {
        const t = own.tls;
        if (t.mode === "secret" && !t.secretName) rule(["tls", "secretName"], "is required when ingress.tls.mode is `secret`");
        if (t.mode === "certManager" && !t.clusterIssuer) rule(["tls", "clusterIssuer"], "is required when ingress.tls.mode is `certManager`");
        if (t.mode === "provided" && !t.certificate) rule(["tls", "certificate"], "is required when ingress.tls.mode is `provided`");
        if (t.mode === "provided" && !t.key) rule(["tls", "key"], "is required when ingress.tls.mode is `provided` (set it with --secret)");
        if (own.httpPort === own.httpsPort) rule(["httpsPort"], "must differ from ingress.httpPort");
        if (own.kind === "ingress") {
            if (own.controller === "other" && !own.className) rule(["className"], "is required when ingress.controller is `other`");
            if (t.mode === "gateway")
                rule(["tls", "mode"], "may be `gateway` only with ingress.kind `gateway` (a shared Gateway's listener holds the certificate)");
            return;
        }
        const g = own.gateway;
        if (!g.dataPlaneNamespace)
            rule(
                ["gateway", "dataPlaneNamespace"],
                "is required when ingress.kind is `gateway`: the Gateway's proxy pods are the only source admitted to the backend",
            );
        if (g.className) {
            if (g.namespace) rule(["gateway", "namespace"], "must be null with ingress.gateway.className: the stack's own Gateway lives in its namespace");
            if (g.sectionName) rule(["gateway", "sectionName"], "must be null with ingress.gateway.className: the stack names its own listeners");
            if (t.mode === "gateway")
                rule(
                    ["tls", "mode"],
                    "must not be `gateway` when the stack creates its Gateway: give that Gateway a certificate (certManager, secret, provided, selfSigned)",
                );
        } else {
            if (!g.name)
                rule(
                    ["gateway", "name"],
                    "is required when ingress.kind is `gateway`: name the shared Gateway, or set ingress.gateway.className for one of the stack's own",
                );
            if (!g.sectionName)
                rule(
                    ["gateway", "sectionName"],
                    "is required with a shared Gateway: without it the route attaches to every listener, plain HTTP ones included",
                );
            if (t.mode !== "gateway" && t.mode !== "none")
                rule(["tls", "mode"], "must be `gateway` (or `none`) with a shared Gateway: its listener holds the certificate, which the stack cannot attach");
        }
    },
};
