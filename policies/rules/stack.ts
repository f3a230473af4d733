import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { showMiB } from "../lib/quantity";
import { containersOf, DOCKER_CONTAINER, kubernetesKind } from "../lib/workloads";
import { obj, type Obj } from "../lib/json";

function targetKey(r: PolicyResource, ref: Obj, defaultKind: string): string {
    const ns = obj(obj(r.props).metadata).namespace;
    return `${typeof ns === "string" ? ns : "default"}/${typeof ref.kind === "string" ? ref.kind : defaultKind}/${String(ref.name)}`;
}

export const oneAutoscalerPerWorkload: StackValidationPolicy = {
    name: "one-autoscaler-per-workload",
    description:
        "No workload is scaled by two autoscalers (an HPA and a KEDA ScaledObject, or two of either): they would fight over its replicas. Fix: with KEDA, drop the HPA and fold its CPU rule into the ScaledObject's triggers.",
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateStack: (args, report) => {
        const seen = new Map<string, string[]>();
        for (const r of args.resources) {
            const kind = kubernetesKind(r.type);
            const props = obj(r.props);
            const name = obj(props.metadata).name ?? r.name;
            let key: string | undefined;
            if (kind === "HorizontalPodAutoscaler") key = targetKey(r, obj(obj(props.spec).scaleTargetRef), "Deployment");
            else if (r.type.startsWith("kubernetes:keda.sh/") && kind === "ScaledObject") key = targetKey(r, obj(obj(props.spec).scaleTargetRef), "Deployment");
            if (!key) continue;
            seen.set(key, [...(seen.get(key) ?? []), `${kind} \`${String(name)}\``]);
        }
        for (const [target, scalers] of seen) {
            if (scalers.length > 1) {
                const [ns, kind, name] = target.split("/");
                report(`${kind} \`${name}\` (namespace ${ns}) is targeted by ${scalers.length} autoscalers: ${scalers.join(", ")}; keep exactly one`);
            }
        }
    },
};

export const dockerHostMemoryBudget: StackValidationPolicy = {
    name: "docker-host-memory-budget",
    description:
        "The memory limits of the long-running Docker containers add up to no more than the host's memory (the platform recommends a 32GB host for 4-8 browser workers). Fix: fewer workers, smaller limits, or a bigger host (set hostMemoryMiB).",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            hostMemoryMiB: { type: "number", default: 32768, description: "Memory of the Docker host, in MiB." },
            reserveMiB: { type: "number", default: 0, description: "Memory kept for the operating system and page cache, in MiB." },
        },
    },
    validateStack: (args, report) => {
        const { hostMemoryMiB, reserveMiB } = args.getConfig<{ hostMemoryMiB: number; reserveMiB: number }>();
        let total = 0;
        let count = 0;
        const unbounded: string[] = [];
        for (const r of args.resources) {
            if (r.type !== DOCKER_CONTAINER) continue;
            for (const c of containersOf(r.type, r.name, obj(r.props))) {
                if (!c.longRunning) continue;
                count++;
                if (c.memoryLimitMiB === undefined) unbounded.push(c.where);
                else total += c.memoryLimitMiB;
            }
        }
        if (count === 0) return;
        const budget = hostMemoryMiB - reserveMiB;
        if (total > budget) {
            report(
                `the ${count} Docker containers' memory limits add up to ${showMiB(total)}, above the ${showMiB(budget)} the host offers (${showMiB(hostMemoryMiB)} host${reserveMiB ? ` - ${showMiB(reserveMiB)} reserve` : ""}); over by ${showMiB(total - budget)}`,
            );
        }
        if (unbounded.length) report(`${unbounded.length} Docker container(s) have no memory limit, so the host budget cannot hold: ${unbounded.join(", ")}`);
    },
};
