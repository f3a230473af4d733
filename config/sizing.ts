/**
 * Raw config (as a stack file or a `--set` gives it, before validation), how
 * defaults are laid over each other, and a `resources` value: the plain
 * pieces every config section's defaults are written with.
 */
export type Raw = { [key: string]: unknown };

/** A `resources` value: CPU and memory, requested and limited. */
export const sizing = (cpuRequest: string, cpuLimit: string, memRequest: string, memLimit: string): Raw => ({
    cpu: { request: cpuRequest, limit: cpuLimit },
    memory: { request: memRequest, limit: memLimit },
});

const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Objects merge key by key; scalars and lists from `over` replace. Keys are
 * defined as own properties, so a `__proto__` key stays a key (and is then
 * refused as unknown) instead of replacing the object's prototype.
 */
export function deepMerge(base: Raw, over: Raw): Raw {
    const out: Raw = { ...base };
    for (const [k, v] of Object.entries(over)) {
        const value = isObject(v) && Object.hasOwn(base, k) && isObject(base[k]) ? deepMerge(base[k] as Raw, v) : v;
        Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    }
    return out;
}

/**
 * The platform's sizing tables (seed `000_e21d9dc3573bf14a.txt`, "Resource
 * Sizing"): `cluster`, the Kubernetes table's per-pod requests and limits;
 * `singleHost`, the Docker Compose table for one recommended host ("8-core
 * server with 32GB RAM"). A target says which one its defaults follow; each
 * service keeps its lines of both beside its other defaults.
 */
export const SIZING_TABLES = ["cluster", "singleHost"] as const;
export type SizingTable = (typeof SIZING_TABLES)[number];
