/**
 * What the offline tools know of a target's resources, without its provider
 * SDK: which resources hold data and which changes would lose or refuse it
 * (`plan --compare`), what runs at what size (the capacity table), what the
 * mock runtime stands in for the provider, and the manifests a reviewer may
 * apply. Each target implements this in its own folder (`review.ts`).
 */
import type { PackConfig } from "../policies/evaluate";

/** What a plan shows in place of a secret value. */
export const SECRET_PLACEHOLDER = "[secret]";

/** A resource as a plan records it. */
export interface ReviewedResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    options: { retainOnDelete?: boolean; ignoreChanges?: string[] };
}

export interface FieldChange {
    path: string;
    old: unknown;
    new: unknown;
}

export interface CapacityRow {
    service: string;
    component: string;
    kind: string;
    replicas: { min: number; max: number };
    /** Per replica; CPU in millicores, memory in MiB; null where the target has no such figure. */
    cpu: { request: number | null; limit: number | null };
    memory: { request: number | null; limit: number | null };
    shm: number | null;
}

export interface Manifest {
    file: string;
    object: Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a target's own view of the config (ConfigView); the tools pass the whole validated config
export interface PlanReaders<Config = any> {
    /** Whether deleting this resource deletes stored data. */
    holdsData(r: ReviewedResource): boolean;
    /** A data-holding resource the review cannot read for certain: it is refused, never passed. */
    unreadable?(r: ReviewedResource): boolean;
    /** Why a change to this resource would replace or lose its data (empty: it applies in place). */
    dataLossReasons(before: ReviewedResource, after: ReviewedResource, fields: FieldChange[]): string[];
    /** Why the target would refuse this change, so that `pulumi up` fails (empty: it applies). */
    refusalReasons?(after: ReviewedResource, fields: FieldChange[]): string[];
    /** The long-running services among these resources, one row each. */
    capacity(resources: ReviewedResource[]): CapacityRow[];
    /** The objects as the target would apply them, for a reviewer (`plan --out`). */
    manifests?(resources: ReviewedResource[]): Manifest[];
    /** What the provider computes for a new resource, stood in deterministically by the mock runtime. */
    mockState?(type: string, inputs: Record<string, unknown>): Record<string, unknown> | undefined;
    /** A read of an existing object (its prerequisites), not a resource the plan manages. */
    isLookup?(type: string, id: unknown): boolean;
    /** Settings of the policy pack that come from the stack config (a host's memory for its budget). */
    policySettings?(config: Config): PackConfig;
}

/** Whether `path` is `prefix` or lies under it. */
export const isUnder = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
const show = (v: unknown) => (v === undefined ? "(unset)" : JSON.stringify(v));

/** `path: old -> new`, as the review prints a change. */
export const describeChange = (f: FieldChange) => `${f.path}: ${show(f.old)} -> ${show(f.new)}`;

/** One reason per changed field under any of `prefixes`: `what (path: old -> new)`. */
export function changesUnder(fields: FieldChange[], prefixes: string[], what: string): string[] {
    return fields.filter((f) => prefixes.some((p) => isUnder(f.path, p))).map((f) => `${what} (${describeChange(f)})`);
}

/** Cores as whole millicores (null when absent). */
export const milliOf = (cores: number | undefined) => (cores === undefined ? null : Math.round(cores * 1000));
/** MiB rounded to whole MiB (null when absent). */
export const wholeMiB = (mib: number | undefined) => (mib === undefined ? null : Math.round(mib));
