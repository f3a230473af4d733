import { MARKERS, rootCredentials, type EnvValue, type WorkloadSpec } from "./contract";

/** The labels every workload carries on both targets. */
export function standardLabels(stack: string, spec: Pick<WorkloadSpec, "role" | "component">): Record<string, string> {
    return {
        "app.kubernetes.io/name": spec.role,
        "app.kubernetes.io/instance": stack,
        "app.kubernetes.io/component": spec.component,
        "app.kubernetes.io/part-of": "quorvex",
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

/** Markers the policy pack reads (see docs/policies.md). */
export function markerLabels(
    spec: { runsBrowsers?: boolean; env?: Record<string, EnvValue> },
    data?: { kind: string; protect: boolean; retainOnDelete: boolean },
): Record<string, string> {
    const out: Record<string, string> = {};
    if (spec.runsBrowsers) out[MARKERS.runsBrowsers] = "true";
    const roots = rootCredentials(spec.env);
    if (roots.length > 0) out[MARKERS.rootCredentials] = roots.join(".");
    if (data) {
        out[MARKERS.statefulData] = data.kind;
        out[MARKERS.protect] = String(data.protect);
        out[MARKERS.retainOnDelete] = String(data.retainOnDelete);
    }
    return out;
}

/** A short, stable hash (FNV-1a) for names that must change exactly when their input does. */
export function shortHash(input: string): string {
    let h = 0x811c9dc5;
    for (let i = 0; i < input.length; i++) {
        h ^= input.charCodeAt(i);
        h = Math.imul(h, 0x01000193);
    }
    return (h >>> 0).toString(16).padStart(8, "0");
}
