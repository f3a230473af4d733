import type { StackValidationPolicy } from "@pulumi/policy";
import { obj } from "../lib/json";
import { envValuesOf, scalesOf } from "../targets";

export const oneAutoscalerPerWorkload: StackValidationPolicy = {
    name: "one-autoscaler-per-workload",
    description:
        "No workload is scaled by two autoscalers (an HPA and a KEDA ScaledObject, or two of either): they would fight over its replicas. Nor is a queue that a KEDA ScaledJob runs as Jobs also scaled for by an autoscaler of a pool that takes jobs from it (an HPA or ScaledObject of a workload whose environment names the queue, or a ScaledObject that counts it): both would add capacity for the same jobs. Fix: with KEDA, drop the HPA and fold its CPU rule into the ScaledObject's triggers; with a ScaledJob, give the pool a fixed size.",
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateStack: (args, report) => {
        const byTarget = new Map<string, string[]>();
        const scalers = args.resources.flatMap((r) => {
            const scales = scalesOf(r.type, r.name, obj(r.props));
            return scales ? [scales] : [];
        });
        for (const s of scalers) if (s.target) byTarget.set(s.target, [...(byTarget.get(s.target) ?? []), s.scaler]);
        for (const [target, names] of byTarget) {
            if (names.length > 1) {
                const [ns, kind, name] = target.split("/");
                report(`${kind} \`${name}\` (namespace ${ns}) is targeted by ${names.length} autoscalers: ${names.join(", ")}; keep exactly one`);
            }
        }

        // The queues a workload takes jobs from: the plain values of its environment.
        const env = new Map<string, string[]>();
        for (const r of args.resources) {
            const found = envValuesOf(r.type, r.name, obj(r.props));
            if (found) env.set(found.workload, found.values);
        }
        const jobQueues = new Set(scalers.filter((s) => s.jobs).flatMap((s) => s.queues));
        for (const queue of jobQueues) {
            const on = scalers.filter((s) => s.queues.includes(queue) || (s.target !== undefined && (env.get(s.target) ?? []).includes(queue)));
            if (on.length < 2) continue;
            const shown = on.map((s) => `${s.scaler} (namespace ${s.namespace})`);
            report(
                `queue \`${queue}\` is scaled for by ${shown.length} autoscalers: ${shown.join(", ")}; keep exactly one: each adds capacity for the same jobs`,
            );
        }
    },
};
