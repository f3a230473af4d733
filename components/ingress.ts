import * as pulumi from "@pulumi/pulumi";
import type { RouteHandle, RouteSpec, Target } from "../targets/contract";
import type { Backend } from "./backend";
import { entryCheck } from "./entry-check";

export interface IngressArgs {
    target: Target;
    host: string;
    tls: RouteSpec["tls"];
    backend: Backend;
    /** Route `/vnc/` (WebSocket) to the backend's VNC port: standard mode only. */
    vnc: boolean;
    /** Largest request body (artifact uploads), nginx notation; null: no limit at the way in. */
    maxBodySize: string | null;
    /** Read/send timeout for long requests and WebSockets. */
    timeoutSeconds: number;
    /** After each change, check from the deploying machine that the backend answers through the route (null: no check). */
    check: { path: string; timeoutSeconds: number } | null;
}

/** The way in: TLS, the API, and the VNC WebSocket in standard mode. */
export class Ingress extends pulumi.ComponentResource {
    /** Public URL of the platform. */
    public readonly url: string;
    /** What carries it (the outputs contract's `routeKind`). */
    public readonly kind: RouteHandle["kind"];

    constructor(name: string, args: IngressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("quorvex:platform:Ingress", name, {}, opts);
        const route = args.target.route(
            {
                role: name,
                host: args.host,
                tls: args.tls,
                backend: args.backend.service,
                port: "http",
                websocketPaths: args.vnc ? [{ path: "/vnc/", port: "vnc" }] : [],
                maxBodySize: args.maxBodySize,
                timeoutSeconds: args.timeoutSeconds,
            },
            { parent: this },
        );
        this.url = route.url;
        this.kind = route.kind;
        if (args.check) entryCheck(`${name}-check`, { route, ...args.check }, this);
        this.registerOutputs({ url: this.url });
    }
}
