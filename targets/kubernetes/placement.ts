/**
 * Where pods run (`quorvex:kubernetes.placement`): node selectors, tolerations, node affinity,
 * spread over topology keys and a PriorityClass, as a default for every workload and per
 * workload over it. The config's shape and rules, and the pod fields it becomes.
 */
import type * as k8s from "@pulumi/kubernetes";
import { z } from "zod";
import { dnsSubdomain, int, labelKey, labelValue, podLabels } from "../../config/fields";

/** The workloads placement names, and the components (`app.kubernetes.io/component`) each covers; setup tasks follow their service. */
export const PLACED = {
    backend: ["backend"],
    workers: ["browser-worker"],
    postgres: ["postgres"],
    redis: ["redis"],
    minio: ["minio"],
    backup: ["backup"],
    tasks: ["browser-task"],
    exporters: ["monitoring"],
} as const;
export type PlacedWorkload = keyof typeof PLACED;

const OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"] as const;
const expression = z.strictObject({
    key: labelKey,
    operator: z.enum(OPERATORS, { error: `must be one of ${OPERATORS.join(", ")}` }),
    values: z.array(labelValue, { error: "must be a list of label values" }).max(32, { error: "must list at most 32 values" }).optional(),
});
const toleration = z.strictObject({
    key: labelKey.optional(),
    operator: z.enum(["Equal", "Exists"], { error: "must be Equal or Exists" }),
    value: labelValue.optional(),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"], { error: "must be NoSchedule, PreferNoSchedule or NoExecute" }).optional(),
    tolerationSeconds: int(0, 31536000).optional(),
});
const fields = {
    nodeSelector: podLabels,
    tolerations: z.array(toleration, { error: "must be a list of tolerations" }).max(16, { error: "must list at most 16 tolerations" }),
    nodeAffinity: z.strictObject({
        required: z.array(expression, { error: "must be a list of node selector expressions" }).max(16, { error: "must list at most 16 expressions" }),
        preferred: z
            .array(expression.extend({ weight: int(1, 100) }), { error: "must be a list of weighted node selector expressions" })
            .max(16, { error: "must list at most 16 expressions" }),
    }),
    topologySpread: z.array(labelKey, { error: "must be a list of node label keys" }).max(4, { error: "must list at most 4 topology keys" }),
    priorityClassName: z.union([dnsSubdomain, z.null()]),
};
/** A workload's own placement: each field null takes the default's. */
const override = z.strictObject({
    nodeSelector: fields.nodeSelector.nullable(),
    tolerations: fields.tolerations.nullable(),
    nodeAffinity: fields.nodeAffinity.nullable(),
    topologySpread: fields.topologySpread.nullable(),
    priorityClassName: fields.priorityClassName,
});

export const placementSection = z.strictObject({
    default: z.strictObject(fields),
    ...(Object.fromEntries(Object.keys(PLACED).map((k) => [k, override])) as Record<PlacedWorkload, typeof override>),
    /** A named browser pool's own placement, over the workers' (each field null: the workers'). */
    pools: z.record(z.string(), override.partial(), { error: "must be a map of pool names (workers.pools) to placements" }),
});
export type Placement = z.output<z.ZodObject<typeof fields>>;
export type PlacementConfig = z.output<typeof placementSection>;

const inherit = { nodeSelector: null, tolerations: null, nodeAffinity: null, topologySpread: null, priorityClassName: null };
export const PLACEMENT_DEFAULTS = {
    default: { nodeSelector: [], tolerations: [], nodeAffinity: { required: [], preferred: [] }, topologySpread: [], priorityClassName: null },
    ...Object.fromEntries(Object.keys(PLACED).map((k) => [k, inherit])),
    // Browsers over as many nodes and zones as there are: a lost node or zone takes a share of the fleet, not all of it.
    workers: { ...inherit, topologySpread: ["kubernetes.io/hostname", "topology.kubernetes.io/zone"] },
    pools: {},
};

const WHO: Record<PlacedWorkload, string> = {
    backend: "the backend and its migration Jobs",
    workers: "the browser workers",
    postgres: "Postgres and its roles Job",
    redis: "Redis",
    minio: "MinIO and its setup Job",
    backup: "the backup CronJob",
    tasks: "browser tasks (their template and KEDA's ScaledJob)",
    exporters: "the metrics exporters",
};
export const PLACEMENT_DOCS: Record<string, string> = {
    "placement.default.nodeSelector": "Node labels every pod requires, `key=value` items.",
    "placement.default.tolerations": "Taints every pod tolerates: `{key, operator: Equal|Exists, value, effect, tolerationSeconds}` items.",
    "placement.default.nodeAffinity.required":
        "Node expressions every pod requires (all must hold): `{key, operator: In|NotIn|Exists|DoesNotExist|Gt|Lt, values}` items.",
    "placement.default.nodeAffinity.preferred": "Node expressions pods prefer, each with a `weight` (1-100).",
    "placement.default.topologySpread": "Node label keys to spread each workload's pods over (maxSkew 1, ScheduleAnyway: one node still schedules them all).",
    "placement.default.priorityClassName": "A PriorityClass every pod runs at (read at preview and up: a missing one stops the run).",
    ...Object.fromEntries(
        (Object.keys(PLACED) as PlacedWorkload[]).flatMap((w) => [
            [`placement.${w}.nodeSelector`, `Node labels ${WHO[w]} require instead of the default's; null: the default's.`],
            [`placement.${w}.tolerations`, `Taints ${WHO[w]} tolerate instead of the default's; null: the default's.`],
            [`placement.${w}.nodeAffinity`, `Node affinity (\`{required, preferred}\`) of ${WHO[w]} instead of the default's; null: the default's.`],
            [
                `placement.${w}.topologySpread`,
                w === "workers"
                    ? "Node label keys the browser workers spread over (default hostname and zone: a lost node or zone takes a share of the fleet, not all of it)."
                    : `Node label keys ${WHO[w]} spread over instead of the default's; null: the default's.`,
            ],
            [`placement.${w}.priorityClassName`, `A PriorityClass for ${WHO[w]}; null: the default's.`],
        ]),
    ),
    "placement.pools":
        "A named browser pool's placement (`workers.pools`), by pool name: the fields of `placement.workers`, each null or left out taking the workers' (which take the default's). docs/operations.md.",
};

/** Rules a schema cannot say: what an operator needs of its values and key. */
export function placementRules(p: PlacementConfig, pools: string[], rule: (path: (string | number)[], message: string) => void): void {
    const { pools: own, ...workloads } = p;
    for (const name of Object.keys(own).filter((n) => !pools.includes(n)))
        rule(["placement", "pools", name], `must name a pool of workers.pools (${pools.length ? pools.join(", ") : "none"})`);
    const specs = [...Object.entries(workloads), ...Object.entries(own).map(([n, spec]) => [`pools.${n}`, spec] as const)];
    for (const [workload, spec] of specs) {
        const affinity = spec.nodeAffinity;
        for (const kind of ["required", "preferred"] as const) {
            (affinity?.[kind] ?? []).forEach((e, i) => {
                const at = ["placement", ...workload.split("."), "nodeAffinity", kind, i, "values"];
                const n = e.values?.length ?? 0;
                if ((e.operator === "In" || e.operator === "NotIn") && n === 0) rule(at, `must list at least one value with ${e.operator}`);
                if ((e.operator === "Exists" || e.operator === "DoesNotExist") && n > 0) rule(at, `must be empty with ${e.operator}`);
                if ((e.operator === "Gt" || e.operator === "Lt") && (n !== 1 || !/^\d+$/.test(e.values![0])))
                    rule(at, `must be one integer with ${e.operator}`);
            });
        }
        (spec.tolerations ?? []).forEach((t, i) => {
            const at = ["placement", ...workload.split("."), "tolerations", i];
            if (t.operator === "Exists" && t.value) rule([...at, "value"], "must be empty with operator Exists");
            if (t.operator === "Equal" && !t.key) rule([...at, "key"], "is required with operator Equal");
            if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") rule([...at, "tolerationSeconds"], "applies only with effect NoExecute");
        });
    }
}

/** A workload's placement: its own fields over the default's (a named pool's: its own over the workers'). */
export function placementOf(p: PlacementConfig, workload: PlacedWorkload, pool?: string): Placement {
    const d = p.default;
    const own = p[workload];
    const mine = (pool !== undefined && p.pools[pool]) || inherit;
    return {
        nodeSelector: mine.nodeSelector ?? own.nodeSelector ?? d.nodeSelector,
        tolerations: mine.tolerations ?? own.tolerations ?? d.tolerations,
        nodeAffinity: mine.nodeAffinity ?? own.nodeAffinity ?? d.nodeAffinity,
        topologySpread: mine.topologySpread ?? own.topologySpread ?? d.topologySpread,
        priorityClassName: mine.priorityClassName ?? own.priorityClassName ?? d.priorityClassName,
    };
}

/** The workload a component's pods belong to. */
export function placedWorkload(component: string): PlacedWorkload | undefined {
    return (Object.keys(PLACED) as PlacedWorkload[]).find((k) => (PLACED[k] as readonly string[]).includes(component));
}

type PodSpec = k8s.types.input.core.v1.PodSpec;

/** The pod fields of a placement; `selector` picks the workload's own pods (what spread counts). Empty parts are left out. */
export function placementFields(
    p: Placement,
    selector: Record<string, string>,
): Pick<PodSpec, "nodeSelector" | "tolerations" | "affinity" | "topologySpreadConstraints" | "priorityClassName"> {
    const out: ReturnType<typeof placementFields> = {};
    if (Object.keys(p.nodeSelector).length) out.nodeSelector = p.nodeSelector;
    if (p.tolerations.length) out.tolerations = p.tolerations;
    const { required, preferred } = p.nodeAffinity;
    if (required.length || preferred.length) {
        out.affinity = {
            nodeAffinity: {
                ...(required.length ? { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: required }] } } : {}),
                ...(preferred.length
                    ? {
                          preferredDuringSchedulingIgnoredDuringExecution: preferred.map(({ weight, ...e }) => ({
                              weight,
                              preference: { matchExpressions: [e] },
                          })),
                      }
                    : {}),
            },
        };
    }
    if (p.topologySpread.length)
        out.topologySpreadConstraints = p.topologySpread.map((topologyKey) => ({
            maxSkew: 1,
            topologyKey,
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: selector },
        }));
    if (p.priorityClassName) out.priorityClassName = p.priorityClassName;
    return out;
}
