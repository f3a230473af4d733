import type { StackValidationPolicy } from "@pulumi/policy";
import { obj } from "../lib/json";
import { scalesOf } from "../targets";

export const oneAutoscalerPerWorkload: StackValidationPolicy = {
    name: "one-autoscaler-per-workload",
    description:
        "No workload is scaled by two autoscalers (an HPA and a KEDA ScaledObject, or two of either): they would fight over its replicas. Fix: with KEDA, drop the HPA and fold its CPU rule into the ScaledObject's triggers.",
    enforcementLevel: "mandatory",
    configSchema: { properties: {} },
    validateStack: (args, report) => {
        const seen = new Map<string, string[]>();
        for (const r of args.resources) {
            const scales = scalesOf(r.type, r.name, obj(r.props));
            if (scales) seen.set(scales.target, [...(seen.get(scales.target) ?? []), scales.scaler]);
        }
        for (const [target, scalers] of seen) {
            if (scalers.length > 1) {
                const [ns, kind, name] = target.split("/");
                report(`${kind} \`${name}\` (namespace ${ns}) is targeted by ${scalers.length} autoscalers: ${scalers.join(", ")}; keep exactly one`);
            }
        }
    },
};
