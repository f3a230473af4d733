/**
 * Offline change review: what a plan adds, removes and changes compared with
 * an earlier one, and which of those changes would replace or delete stored
 * data. This is what a reviewer reads before `pulumi up`.
 */
import { TARGETS } from "../targets/registry";
import { describeChange, isUnder, type FieldChange } from "../targets/review";
import type { PlanResource } from "./planner";
import { dockerLabels, obj } from "../policies/lib/json";

export type { FieldChange };

export interface DataLoss {
    resource: string;
    reason: string;
}

export interface Comparison {
    added: string[];
    removed: string[];
    changed: { resource: string; fields: FieldChange[] }[];
    dataLoss: DataLoss[];
    /** Changes the platform refuses to apply (so `pulumi up` would fail), such as shrinking a PVC. */
    refused: DataLoss[];
}

const id = (r: Pick<PlanResource, "type" | "name">) => `${r.type}::${r.name}`;

/** The identity Pulumi gives a resource (its URN): the parent type chain, the type and the name. */
function identities(resources: PlanResource[]): Map<string, PlanResource> {
    const byId = new Map(resources.map((r) => [id(r), r]));
    const out = new Map<string, PlanResource>();
    for (const r of resources) {
        const chain: string[] = [];
        for (let p = r.parent; p; p = byId.get(p)?.parent ?? null) chain.unshift(p.slice(0, p.lastIndexOf("::")));
        out.set(`${[...chain, r.type].join("$")}::${r.name}`, r);
    }
    return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Leaf-by-leaf differences between two input trees. */
export function diff(a: unknown, b: unknown, path = ""): FieldChange[] {
    if (JSON.stringify(a) === JSON.stringify(b)) return [];
    if (Array.isArray(a) && Array.isArray(b)) {
        const out: FieldChange[] = [];
        for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...diff(a[i], b[i], `${path}[${i}]`));
        return out;
    }
    if (isObject(a) && isObject(b)) {
        const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
        return keys.flatMap((k) => diff(a[k], b[k], path ? `${path}.${k}` : k));
    }
    return [{ path, old: a, new: b }];
}

/** Whether deleting this resource deletes stored data (as its target reads it). */
export function holdsData(r: PlanResource): boolean {
    return TARGETS.some((t) => t.review.holdsData(r));
}

/** Why a change to this resource would replace or lose its data (empty: it applies in place). */
export function dataLossReasons(before: PlanResource, after: PlanResource, fields: FieldChange[]): string[] {
    return TARGETS.flatMap((t) => t.review.dataLossReasons(before, after, fields));
}

/** Why the platform would refuse this change (empty: it can be applied). */
export function refusalReasons(after: PlanResource, fields: FieldChange[]): string[] {
    return TARGETS.flatMap((t) => t.review.refusalReasons?.(after, fields) ?? []);
}

/** A label of a resource, as either target writes it: `metadata.labels` (Kubernetes) or `{label, value}` items (Docker). */
function labelOf(r: PlanResource, key: string): string | undefined {
    const own = obj(obj(r.inputs.metadata).labels)[key];
    return typeof own === "string" ? own : dockerLabels(r.inputs.labels)[key];
}

/** The value of `BROWSER_JOB_QUEUE` in a Kubernetes container's `env` (a Docker container's env is secret in a plan). */
function queueOf(r: PlanResource): string | undefined {
    let found: string | undefined;
    const walk = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (isObject(v)) {
            if (v.name === "BROWSER_JOB_QUEUE" && typeof v.value === "string") found = v.value;
            Object.values(v).forEach(walk);
        }
    };
    walk(r.inputs.spec);
    return found;
}

/** The browser pools a plan runs, by name (`workers`, `workers-<pool>`), with their list where the plan shows it. */
function browserPools(resources: PlanResource[]): Map<string, string | undefined> {
    const pools = new Map<string, string | undefined>();
    for (const r of resources) {
        const name = labelOf(r, "app.kubernetes.io/name");
        if (name && labelOf(r, "app.kubernetes.io/component") === "browser-worker") pools.set(name, pools.get(name) ?? queueOf(r));
    }
    return pools;
}

export function compare(before: PlanResource[], after: PlanResource[]): Comparison {
    const old = identities(before);
    const now = identities(after);
    // A new resource that aliases an old identity is that resource renamed, not a new one.
    const aliasOf = new Map<string, string>();
    for (const [key, r] of now) for (const a of (r.options as { aliases?: string[] }).aliases ?? []) aliasOf.set(a, key);
    const result: Comparison = { added: [], removed: [], changed: [], dataLoss: [], refused: [] };
    const matched = new Set<string>();
    for (const [key, was] of old) {
        const nowKey = now.has(key) ? key : aliasOf.get(id(was));
        const is = nowKey ? now.get(nowKey) : undefined;
        if (!is) {
            result.removed.push(id(was));
            if (holdsData(was)) {
                result.dataLoss.push({
                    resource: id(was),
                    reason: `deletes it: no resource of this name (and no alias to it) in the new plan${was.options.retainOnDelete ? " (retainOnDelete keeps the object in the cluster/host, but Pulumi forgets it)" : ""}`,
                });
            }
            continue;
        }
        matched.add(nowKey!);
        const ignored = is.options.ignoreChanges ?? [];
        const fields = diff(was.inputs, is.inputs).filter((f) => !ignored.some((p) => isUnder(f.path, p)));
        if (fields.length) result.changed.push({ resource: id(is), fields });
        for (const reason of dataLossReasons(was, is, fields)) result.dataLoss.push({ resource: id(is), reason });
        for (const reason of refusalReasons(is, fields)) result.refused.push({ resource: id(is), reason });
    }
    for (const [key, r] of now) if (!matched.has(key)) result.added.push(id(r));
    // A pool renamed or removed takes its workers, and nothing takes from its list any more.
    const pools = browserPools(after);
    const lists = new Set(pools.values());
    for (const [pool, list] of browserPools(before)) {
        // Gone, unless another pool takes from its list (where the plan shows lists: Kubernetes).
        if (pools.has(pool) || (list !== undefined && lists.has(list))) continue;
        result.dataLoss.push({
            resource: `browser pool ${pool}`,
            reason: "goes (a pool renamed or removed): its workers stop, and jobs still queued on its list are left with no worker. Drain the list first, or give the pool that replaces it the same `queue.listName`",
        });
    }
    return result;
}

export function renderComparison(c: Comparison, against: string): string {
    const lines = [`Compared with ${against}: ${c.added.length} added, ${c.removed.length} removed, ${c.changed.length} changed`];
    for (const a of c.added) lines.push(`+ ${a}`);
    for (const r of c.removed) lines.push(`- ${r}`);
    for (const ch of c.changed) {
        lines.push(`~ ${ch.resource}`);
        for (const f of ch.fields) lines.push(`    ${describeChange(f)}`);
    }
    if (c.dataLoss.length) {
        lines.push("", "DATA LOSS RISK (exit 1 unless --allow-data-loss):");
        for (const d of c.dataLoss) lines.push(`  ${d.resource}: ${d.reason}`);
    } else {
        lines.push("", "no stateful resource is replaced or deleted");
    }
    if (c.refused.length) {
        lines.push("", "REFUSED BY THE PLATFORM (exit 1; `pulumi up` would fail):");
        for (const d of c.refused) lines.push(`  ${d.resource}: ${d.reason}`);
    }
    return lines.join("\n");
}
