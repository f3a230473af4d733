/**
 * The part of a Gateway API implementation the engine tier can play without a data plane:
 * its status reports. For each Gateway of its GatewayClass it reports Accepted and
 * Programmed with an address; for each HTTPRoute attached to such a Gateway, per parent,
 * Accepted (the Gateway exists, has the named listener, and that listener admits routes
 * from the route's namespace) and ResolvedRefs (every backend Service exists), each with
 * the reason a real controller gives when it is False. `pulumi up` waits on exactly these.
 */
import type { RunResult } from "./harness";

export const GATEWAY_CONTROLLER = "quorvex.io/engine-gateway";
export const GATEWAY_CLASS = "engine";

type Kubectl = (args: string[], input?: string) => Promise<RunResult>;

interface Meta {
    name: string;
    namespace: string;
    generation: number;
}
interface Listener {
    name: string;
    allowedRoutes?: { namespaces?: { from?: string } };
}
interface Gateway {
    metadata: Meta;
    spec: { gatewayClassName: string; listeners: Listener[] };
    status?: { conditions?: Condition[] };
}
interface ParentRef {
    name: string;
    namespace?: string;
    sectionName?: string;
}
interface HttpRoute {
    metadata: Meta;
    spec: { parentRefs?: ParentRef[]; rules?: { backendRefs?: { name: string; kind?: string }[] }[] };
    status?: { parents?: { conditions?: Condition[] }[] };
}
interface Condition {
    type: string;
    status: "True" | "False";
    reason: string;
    message: string;
    observedGeneration: number;
    lastTransitionTime: string;
}

const condition = (type: string, ok: boolean, reason: string, message: string, generation: number): Condition => ({
    type,
    status: ok ? "True" : "False",
    reason,
    message,
    observedGeneration: generation,
    lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
});

/** What a status says, without its timestamps: whether a new report would change it. */
const gist = (conditions: Condition[] | undefined) => JSON.stringify((conditions ?? []).map((c) => [c.type, c.status, c.reason, c.observedGeneration]));

export class GatewayController {
    private busy = false;

    constructor(private readonly kubectl: Kubectl) {}

    private async list<T>(kind: string): Promise<T[]> {
        const r = await this.kubectl(["get", kind, "-A", "-o", "json"]);
        return r.code === 0 ? (JSON.parse(r.stdout) as { items: T[] }).items : [];
    }

    private async patchStatus(kind: string, m: Meta, status: object): Promise<void> {
        await this.kubectl(["patch", kind, m.name, "-n", m.namespace, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status })]);
    }

    /** One round of reports; a round still running is not started again. */
    async reconcile(): Promise<void> {
        if (this.busy) return;
        this.busy = true;
        try {
            const gateways = (await this.list<Gateway>("gateways.gateway.networking.k8s.io")).filter((g) => g.spec.gatewayClassName === GATEWAY_CLASS);
            for (const g of gateways) {
                const conditions = [
                    condition("Accepted", true, "Accepted", "accepted by the engine tier", g.metadata.generation),
                    condition("Programmed", true, "Programmed", "programmed (no data plane runs)", g.metadata.generation),
                ];
                if (gist(g.status?.conditions) === gist(conditions)) continue;
                await this.patchStatus("gateways.gateway.networking.k8s.io", g.metadata, {
                    conditions,
                    addresses: [{ type: "IPAddress", value: "127.0.0.1" }],
                });
            }
            const services = new Set((await this.list<{ metadata: Meta }>("services")).map((s) => `${s.metadata.namespace}/${s.metadata.name}`));
            for (const route of await this.list<HttpRoute>("httproutes.gateway.networking.k8s.io")) {
                const m = route.metadata;
                const missing = (route.spec.rules ?? []).flatMap((r) => r.backendRefs ?? []).find((b) => !services.has(`${m.namespace}/${b.name}`));
                const parents = (route.spec.parentRefs ?? []).flatMap((ref) => {
                    const gw = gateways.find((g) => g.metadata.name === ref.name && g.metadata.namespace === (ref.namespace ?? m.namespace));
                    if (!gw) return [];
                    const listeners = gw.spec.listeners.filter((l) => !ref.sectionName || l.name === ref.sectionName);
                    const admits = listeners.some((l) => (l.allowedRoutes?.namespaces?.from ?? "Same") === "All" || gw.metadata.namespace === m.namespace);
                    const accepted = !listeners.length
                        ? condition("Accepted", false, "NoMatchingParent", `no listener ${ref.sectionName} on the Gateway`, m.generation)
                        : !admits
                          ? condition("Accepted", false, "NotAllowedByListeners", "no listener admits routes from this namespace", m.generation)
                          : condition("Accepted", true, "Accepted", "accepted", m.generation);
                    const resolved = missing
                        ? condition("ResolvedRefs", false, "BackendNotFound", `Service ${missing.name} not found`, m.generation)
                        : condition("ResolvedRefs", true, "ResolvedRefs", "every backend resolved", m.generation);
                    return [
                        {
                            parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", ...ref },
                            controllerName: GATEWAY_CONTROLLER,
                            conditions: [accepted, resolved],
                        },
                    ];
                });
                if (!parents.length) continue;
                if (JSON.stringify(route.status?.parents?.map((p) => gist(p.conditions))) === JSON.stringify(parents.map((p) => gist(p.conditions)))) continue;
                await this.patchStatus("httproutes.gateway.networking.k8s.io", m, { parents });
            }
        } finally {
            this.busy = false;
        }
    }
}
