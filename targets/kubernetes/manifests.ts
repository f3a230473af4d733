/**
 * Kubernetes manifests from a plan: the objects as the Kubernetes provider
 * writes them (`renderYamlToDirectory`) or sends them to the API server, with
 * secret values redacted. The provider's one rewrite is modelled here: a
 * Secret's `stringData` is sent as base64 `data` (the engine tier compares
 * these manifests with the real provider's).
 */
import { SECRET_PLACEHOLDER, type Manifest, type ReviewedResource } from "../review";

/** A redacted Secret value in `data`: "[secret]" in base64, so the manifest still validates. */
export const SECRET_DATA_PLACEHOLDER = Buffer.from(SECRET_PLACEHOLDER).toString("base64");

/** Secret `stringData` merged into base64 `data`, as the provider does; redacted values stay redacted. */
export function asSent(object: Record<string, unknown>): Record<string, unknown> {
    if (object.kind !== "Secret" || typeof object.stringData !== "object" || object.stringData === null) return object;
    const { stringData, ...rest } = object;
    const data: Record<string, unknown> = { ...((object.data as Record<string, unknown> | undefined) ?? {}) };
    for (const [k, v] of Object.entries(stringData as Record<string, unknown>)) {
        data[k] = v === SECRET_PLACEHOLDER ? SECRET_DATA_PLACEHOLDER : typeof v === "string" ? Buffer.from(v).toString("base64") : v;
    }
    return { ...rest, data };
}

export function manifestsOf(resources: ReviewedResource[]): Manifest[] {
    const out: Manifest[] = [];
    for (const r of resources) {
        if (!r.type.startsWith("kubernetes:")) continue;
        if (typeof r.inputs.apiVersion !== "string" || typeof r.inputs.kind !== "string") continue;
        const object = asSent(r.inputs);
        const meta = (object.metadata ?? {}) as { name?: string };
        const n = String(out.length + 1).padStart(3, "0");
        out.push({ file: `${n}-${String(object.kind).toLowerCase()}-${meta.name ?? r.name}.yaml`, object });
    }
    return out;
}
