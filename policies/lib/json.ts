/** Reading resource inputs as loose JSON: a missing or mistyped field reads as empty, never throws. */
export type Obj = Record<string, unknown>;

export const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});

export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Docker's `labels: [{label, value}]` as a map. */
export function dockerLabels(labels: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    for (const l of arr(labels)) {
        const o = obj(l);
        if (typeof o.label === "string") out[o.label] = String(o.value);
    }
    return out;
}
