/** Kubernetes manifests from a plan: the objects exactly as the program sends them (secrets redacted). */
import { stringify } from "yaml";
import type { PlanResource } from "./planner";

export interface Manifest {
    file: string;
    object: Record<string, unknown>;
}

export function manifestsOf(resources: PlanResource[]): Manifest[] {
    const out: Manifest[] = [];
    for (const r of resources) {
        if (!r.type.startsWith("kubernetes:")) continue;
        const object = r.inputs;
        if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") continue;
        const meta = (object.metadata ?? {}) as { name?: string };
        const n = String(out.length + 1).padStart(3, "0");
        out.push({ file: `${n}-${object.kind.toLowerCase()}-${meta.name ?? r.name}.yaml`, object });
    }
    return out;
}

export function toYaml(object: Record<string, unknown>): string {
    return stringify(object, { lineWidth: 0 });
}
