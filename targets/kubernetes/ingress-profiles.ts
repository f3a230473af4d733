/**
 * What each Ingress controller needs written on an Ingress for the way in's settings (body size,
 * timeouts, WebSocket, the HTTPS redirect), and which of them it has no per-Ingress setting for.
 * `ingress.controller` picks one; `ingress.className` and `ingress.annotations` override.
 */
import type { IngressController } from "../../config/fields";
import type { TargetView } from "../plugin";

export interface RouteSettings {
    maxBodySize: string | null;
    timeoutSeconds: number;
    tls: boolean;
    /** The Services behind WebSocket paths. */
    websocketServices: string[];
}

export interface IngressProfile {
    /** The IngressClass its chart installs. */
    className: string;
    annotations(s: RouteSettings): Record<string, string>;
    /** Settings it cannot take per Ingress (they are the controller's own, or need its custom resources). */
    lacks: ("maxBodySize" | "timeoutSeconds")[];
}

export const INGRESS_PROFILES: Record<IngressController, IngressProfile> = {
    // Retired by the Kubernetes project on 24 March 2026: the profile stays so that no stack's entry point changes.
    "ingress-nginx": {
        className: "nginx",
        annotations: (s) => ({
            // 0: no limit (the controller's own default would be 1m).
            "nginx.ingress.kubernetes.io/proxy-body-size": s.maxBodySize ?? "0",
            "nginx.ingress.kubernetes.io/proxy-read-timeout": String(s.timeoutSeconds),
            "nginx.ingress.kubernetes.io/proxy-send-timeout": String(s.timeoutSeconds),
            "nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
            // It passes a WebSocket upgrade through on any path.
            ...(s.tls ? { "nginx.ingress.kubernetes.io/ssl-redirect": "true" } : {}),
        }),
        lacks: [],
    },
    // F5's NGINX Ingress Controller (nginx.org annotations): WebSockets only to the Services it is told of.
    "f5-nginx": {
        className: "nginx",
        annotations: (s) => ({
            "nginx.org/client-max-body-size": s.maxBodySize ?? "0",
            "nginx.org/proxy-read-timeout": `${s.timeoutSeconds}s`,
            "nginx.org/proxy-send-timeout": `${s.timeoutSeconds}s`,
            ...(s.websocketServices.length ? { "nginx.org/websocket-services": s.websocketServices.join(",") } : {}),
            ...(s.tls ? { "ingress.kubernetes.io/ssl-redirect": "true" } : {}),
        }),
        lacks: [],
    },
    // HAProxy Technologies' controller: WebSockets pass as tunnels; no per-Ingress body limit.
    haproxy: {
        className: "haproxy",
        annotations: (s) => ({
            "haproxy.org/timeout-server": `${s.timeoutSeconds}s`,
            ...(s.tls ? { "haproxy.org/ssl-redirect": "true" } : {}),
        }),
        lacks: ["maxBodySize"],
    },
    // Traefik: routers on its entry points; timeouts are the entry points' own, a body limit a Buffering middleware.
    traefik: {
        className: "traefik",
        annotations: (s): Record<string, string> =>
            s.tls
                ? { "traefik.ingress.kubernetes.io/router.entrypoints": "websecure", "traefik.ingress.kubernetes.io/router.tls": "true" }
                : { "traefik.ingress.kubernetes.io/router.entrypoints": "web" },
        lacks: ["maxBodySize", "timeoutSeconds"],
    },
    other: { className: "", annotations: () => ({}), lacks: ["maxBodySize", "timeoutSeconds"] },
};

/** What a stack's way in does not do that its config asks for, and the retired controller. */
export function wayInWarnings(ingress: TargetView["ingress"], key: (path: string[]) => string): string[] {
    const warnings: string[] = [];
    const unenforced = (by: string) =>
        `${key(["ingress", "maxBodySize"])} = ${ingress.maxBodySize}: ${by} has no per-route body limit, so nothing enforces it; set it to null, or set the limit in the controller (docs/gateway.md)`;
    if (ingress.kind === "gateway") {
        if (ingress.maxBodySize !== null) warnings.push(unenforced("an HTTPRoute"));
        return warnings;
    }
    const profile = INGRESS_PROFILES[ingress.controller];
    if (profile.lacks.includes("maxBodySize") && ingress.maxBodySize !== null) warnings.push(unenforced(`the ${ingress.controller} Ingress`));
    if (profile.lacks.includes("timeoutSeconds"))
        warnings.push(
            `${key(["ingress", "timeoutSeconds"])} = ${ingress.timeoutSeconds}: the ${ingress.controller} Ingress has no per-route timeout; the controller's own timeouts apply (docs/gateway.md)`,
        );
    if (ingress.controller === "ingress-nginx")
        warnings.push(
            `${key(["ingress", "controller"])} = ingress-nginx: the Kubernetes project retired ingress-nginx on 24 March 2026 (no releases, no security fixes); move the way in to Gateway API (ingress.kind gateway) or another controller: docs/gateway.md`,
        );
    return warnings;
}
