/**
 * Runs the pack's policies on resources described as data (the offline
 * plan's `resources` array, or a user's file) - what the Pulumi engine does
 * during `pulumi preview --policy-pack`, without an engine.
 */
import type {
    EnforcementLevel,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { PACK_ENFORCEMENT_LEVEL, resourcePolicies, stackPolicies } from "./pack";

export interface ResourceRecord {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    options?: { protect?: boolean; retainOnDelete?: boolean; ignoreChanges?: string[]; dependsOn?: string[] };
}

export interface Violation {
    policy: string;
    level: "mandatory" | "advisory";
    /** `type::name` of the resource, or null for a stack policy's finding. */
    resource: string | null;
    message: string;
}

/** `--policy-pack-config` format: per policy, an enforcementLevel and/or its properties. */
export type PackConfig = Record<string, { enforcementLevel?: EnforcementLevel; [key: string]: unknown } | EnforcementLevel>;

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

function defaultsOf(policy: AnyPolicy): Record<string, unknown> {
    const props = (policy.configSchema?.properties ?? {}) as Record<string, { default?: unknown }>;
    return Object.fromEntries(
        Object.entries(props)
            .filter(([, s]) => s.default !== undefined)
            .map(([k, s]) => [k, s.default]),
    );
}

/** The policy's settings: schema defaults under the user's values, and its level. */
export function settingsFor(policy: AnyPolicy, config: PackConfig = {}): { level: EnforcementLevel; values: Record<string, unknown> } {
    const entry = config[policy.name];
    const given = typeof entry === "string" ? { enforcementLevel: entry } : (entry ?? {});
    const { enforcementLevel, ...values } = given;
    const unknown = Object.keys(values).filter((k) => !(k in ((policy.configSchema?.properties ?? {}) as object)));
    if (unknown.length) throw new Error(`policy config for ${policy.name}: unknown propert${unknown.length > 1 ? "ies" : "y"} ${unknown.join(", ")}`);
    return { level: enforcementLevel ?? policy.enforcementLevel ?? PACK_ENFORCEMENT_LEVEL, values: { ...defaultsOf(policy), ...values } };
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A resource as the policy SDK shows it (without an engine: a fixed URN, no provider). */
function asPolicyResource(r: ResourceRecord) {
    return {
        type: r.type,
        name: r.name,
        urn: `urn:pulumi:offline::quorvex::${r.type}::${r.name}`,
        props: r.inputs,
        opts: {
            protect: r.options?.protect === true,
            ignoreChanges: r.options?.ignoreChanges ?? [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        isType: () => false,
        asType: () => undefined,
    };
}

function resourceArgs(r: ResourceRecord, values: Record<string, unknown>): ResourceValidationArgs {
    const args = { ...asPolicyResource(r), stackTags: new Map<string, string>(), getConfig: <T>() => values as T };
    return args as unknown as ResourceValidationArgs;
}

export async function evaluate(resources: ResourceRecord[], config: PackConfig = {}): Promise<Violation[]> {
    const out: Violation[] = [];
    for (const policy of resourcePolicies) {
        const { level, values } = settingsFor(policy, config);
        if (level === "disabled") continue;
        for (const r of resources) {
            const args = resourceArgs(r, values);
            for (const validate of asArray(policy.validateResource)) {
                await validate(args, (message) =>
                    out.push({ policy: policy.name, level: level === "remediate" ? "mandatory" : level, resource: `${r.type}::${r.name}`, message }),
                );
            }
        }
    }
    const stackResources = resources.map((r) => ({ ...asPolicyResource(r), dependencies: [], propertyDependencies: {} }) as unknown as PolicyResource);
    for (const policy of stackPolicies) {
        const { level, values } = settingsFor(policy, config);
        if (level === "disabled") continue;
        const args = { resources: stackResources, getConfig: <T>() => values as T } as unknown as StackValidationArgs;
        await policy.validateStack(args, (message) =>
            out.push({ policy: policy.name, level: level === "remediate" ? "mandatory" : level, resource: null, message }),
        );
    }
    return out;
}

export const hasMandatory = (violations: Violation[]) => violations.some((v) => v.level === "mandatory");
