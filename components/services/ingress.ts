/** The way in's config section: host, TLS, limits, and (Docker) where the proxy publishes. */
import { z } from "zod";
import { bool, dnsLabel, hostname, int, port, tls } from "../../config/fields";
import type { ServicePlugin } from "../plugin";

const section = z.strictObject({
    host: hostname,
    className: dnsLabel,
    tls,
    maxBodySize: z.string().regex(/^\d+[kmg]?$/, { error: "must be an nginx size such as 512m" }),
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
            className: "nginx",
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
            className: "Kubernetes IngressClass.",
            "tls.mode":
                "`selfSigned` (generated), `provided` (certificate and key below), `secret` (existing TLS secret, Kubernetes), `certManager` (ClusterIssuer, Kubernetes), or `none`.",
            "tls.certificate": "PEM certificate chain for `provided` mode.",
            "tls.key": "PEM private key for `provided` mode: `pulumi config set --secret --path quorvex:ingress.tls.key < key.pem`. Never shown in messages.",
            "tls.secretName": "TLS secret for `secret` mode.",
            "tls.clusterIssuer": "cert-manager ClusterIssuer for `certManager` mode.",
            maxBodySize: "Largest upload (nginx notation).",
            timeoutSeconds: "Proxy read/send timeout: long API calls and the VNC WebSocket.",
            "check.enabled":
                "After every `up` that changes the backend, the route or its certificate, GET the readiness path through the way in from the deploying machine (TLS checked for the host) and fail the `up` if it does not answer 200. Turn off on runners that cannot reach the host.",
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
    },
};
