/**
 * The offline plan as a library: config -> program under mocks -> document.
 * `tools/plan.ts` is its command line.
 */
import * as path from "path";
import { ConfigError, resolveConfig } from "../config/load";
import { evaluate, type PackConfig, type Violation } from "../policies/evaluate";
import { TARGETS } from "../targets/registry";
import { capacityOf, type Capacity } from "./capacity";
import { redact, reveal, runStack, SECRET_PLACEHOLDER, type PlannedResource, type StackRun } from "./harness";
import { readStackConfig } from "./stackconfig";

export const ROOT = path.resolve(__dirname, "..");

export interface PlanResource {
    type: string;
    name: string;
    parent: string | null;
    inputs: Record<string, unknown>;
    options: { protect: boolean; retainOnDelete: boolean; ignoreChanges: string[]; dependsOn: string[]; aliases?: string[] };
}

export interface PlanDocument {
    stack: string;
    target: string;
    mode: string;
    resources: PlanResource[];
    outputs: Record<string, unknown>;
    capacity: Capacity;
    policy: { violations: Violation[] };
    warnings: string[];
}

export interface PlanResult {
    document: PlanDocument;
    run: StackRun;
}

export interface PlanOptions {
    stack: string;
    sets?: string[];
    root?: string;
    policyConfig?: PackConfig;
}

/** Plans a stack from its stack file (+ --set). Throws UsageError / ConfigError. */
export async function planStack(opts: PlanOptions): Promise<PlanResult> {
    const root = opts.root ?? ROOT;
    const sc = readStackConfig(root, opts.stack, opts.sets ?? []);
    // Validate first: bad config exits before the program registers anything.
    const { config, warnings } = resolveConfig(sc.config);
    const run = await runStack({ stack: opts.stack, config: sc.config, extraConfig: sc.extra, project: sc.project, program: path.join(root, "index.ts") });
    // Settings the stack config implies (a host's memory), under what the caller gives.
    const policyConfig: PackConfig = { ...opts.policyConfig };
    for (const target of TARGETS) {
        for (const [policy, implied] of Object.entries(target.review.policySettings?.(config) ?? {})) {
            const given = opts.policyConfig?.[policy];
            policyConfig[policy] = typeof given === "string" ? { ...(implied as object), enforcementLevel: given } : { ...(implied as object), ...given };
        }
    }
    return { run, document: await documentOf(opts.stack, config.target, config.mode, run, warnings, policyConfig) };
}

export function planResources(resources: PlannedResource[]): PlanResource[] {
    return resources.map((r) => ({
        type: r.type,
        name: r.name,
        parent: r.parent,
        inputs: redact(r.inputs) as Record<string, unknown>,
        options: {
            protect: r.options.protect,
            retainOnDelete: r.options.retainOnDelete,
            ignoreChanges: r.options.ignoreChanges,
            dependsOn: r.options.dependsOn,
            ...(r.options.aliases.length ? { aliases: r.options.aliases } : {}),
        },
    }));
}

export async function documentOf(
    stack: string,
    target: string,
    mode: string,
    run: StackRun,
    warnings: string[],
    policyConfig?: PackConfig,
): Promise<PlanDocument> {
    const custom = run.resources.filter((r) => r.custom);
    // Policies see values as the engine shows them to CrossGuard: secrets decrypted.
    const violations = await evaluate(
        custom.map((r) => ({ type: r.type, name: r.name, inputs: reveal(r.inputs) as Record<string, unknown>, options: r.options })),
        policyConfig,
    );
    return {
        stack,
        target,
        mode,
        resources: planResources(run.resources),
        outputs: Object.fromEntries(Object.entries(run.outputs).map(([k, v]) => [k, v.secret ? SECRET_PLACEHOLDER : (redact(v.value) ?? null)])),
        capacity: capacityOf(custom),
        policy: { violations },
        warnings,
    };
}

export { ConfigError };
