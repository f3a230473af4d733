/**
 * Checks a policy-pack config (the file `pulumi preview --policy-pack-config`,
 * `npm run plan -- --policy-config` and `npm run policy -- --config` take)
 * against the pack's own policies and their config schemas, before anything
 * is evaluated. A typo must never switch a policy off: an unknown policy or
 * property, an enforcement level that is not one, or a threshold of the wrong
 * type is a problem, one line each.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

/** The subset of JSON Schema the pack's config schemas use. */
interface Schema {
    type?: string;
    items?: Schema;
    properties?: Record<string, Schema>;
    minimum?: number;
    maximum?: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const shown = (v: unknown) => {
    const s = JSON.stringify(v) ?? String(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

function check(value: unknown, schema: Schema, at: string, out: string[]): void {
    switch (schema.type) {
        case "number":
            if (typeof value !== "number" || !Number.isFinite(value)) out.push(`${at} = ${shown(value)}: must be a number`);
            else if (value < (schema.minimum ?? 0)) out.push(`${at} = ${value}: must be at least ${schema.minimum ?? 0}`);
            else if (schema.maximum !== undefined && value > schema.maximum) out.push(`${at} = ${value}: must be at most ${schema.maximum}`);
            return;
        case "boolean":
            if (typeof value !== "boolean") out.push(`${at} = ${shown(value)}: must be true or false`);
            return;
        case "string":
            if (typeof value !== "string") out.push(`${at} = ${shown(value)}: must be a string`);
            return;
        case "array":
            if (!Array.isArray(value)) out.push(`${at} = ${shown(value)}: must be a list`);
            else if (schema.items) value.forEach((v, i) => check(v, schema.items!, `${at}[${i}]`, out));
            return;
        case "object":
            if (!isObject(value)) {
                out.push(`${at} = ${shown(value)}: must be an object`);
                return;
            }
            for (const [k, v] of Object.entries(value)) {
                const sub = schema.properties?.[k];
                if (!sub) out.push(`${at}.${k}: unknown property (known: ${Object.keys(schema.properties ?? {}).join(", ") || "none"})`);
                else check(v, sub, `${at}.${k}`, out);
            }
            return;
    }
}

/** Problems with `config` for these policies: empty when it can be used as it is. */
export function packConfigProblems(config: unknown, policies: (ResourceValidationPolicy | StackValidationPolicy)[]): string[] {
    if (!isObject(config)) return [`the policy config must be an object of policy names, found ${Array.isArray(config) ? "a list" : shown(config)}`];
    const out: string[] = [];
    const byName = new Map(policies.map((p) => [p.name, p]));
    for (const [name, entry] of Object.entries(config)) {
        const policy = byName.get(name);
        if (!policy) {
            out.push(`${name}: unknown policy (the pack has: ${[...byName.keys()].join(", ")})`);
            continue;
        }
        if (typeof entry === "string") {
            if (!LEVELS.includes(entry)) out.push(`${name} = ${shown(entry)}: must be an enforcement level (${LEVELS.join(", ")})`);
            continue;
        }
        if (!isObject(entry)) {
            out.push(`${name} = ${shown(entry)}: must be an enforcement level or an object of settings`);
            continue;
        }
        const { enforcementLevel, ...values } = entry;
        if (enforcementLevel !== undefined && (typeof enforcementLevel !== "string" || !LEVELS.includes(enforcementLevel))) {
            out.push(`${name}.enforcementLevel = ${shown(enforcementLevel)}: must be one of ${LEVELS.join(", ")}`);
        }
        check(values, { type: "object", properties: (policy.configSchema?.properties ?? {}) as Record<string, Schema> }, name, out);
    }
    return out;
}
