/**
 * Where pods run on Kubernetes (`kubernetes.placement`): the default, each workload's own over
 * it, the pod fields they become, the PriorityClass read as a prerequisite, and the config
 * refused where the API server would refuse it.
 */
import { describe, expect, it } from "vitest";
import { evaluate } from "../policies/evaluate";
import { configProblems, merge, PROD, stack, type Json, type StackRun } from "./helpers";

/** Every pod template of the stack by workload name: Deployments, StatefulSets, Jobs, the CronJob, the task template's Job. */
function pods(run: StackRun): Record<string, Json> {
    const out: Record<string, Json> = {};
    for (const r of run.resources) {
        const i = r.inputs as Json;
        const kind = r.type.split(":").pop();
        const name = String(i.metadata?.name ?? r.name).replace(/-[0-9a-f]{8}$/, "");
        if (kind === "Deployment" || kind === "StatefulSet" || kind === "Job") out[name] = i.spec.template.spec;
        if (kind === "CronJob") out[name] = i.spec.jobTemplate.spec.template.spec;
        if (kind === "ScaledJob") out[name] = i.spec.jobTargetRef.template.spec;
        // The Job the task controller creates, as the template publishes it.
        if (kind === "ConfigMap" && i.data?.["job.json"]) out.task = JSON.parse(i.data["job.json"]).spec.template.spec;
    }
    return out;
}
const PLACED_FIELDS = ["nodeSelector", "tolerations", "affinity", "topologySpreadConstraints", "priorityClassName"];
const placementOf = (pod: Json) => Object.fromEntries(PLACED_FIELDS.filter((f) => pod[f] !== undefined).map((f) => [f, pod[f]]));

const WORKERS_ON_BROWSER_NODES = merge(PROD, {
    workers: { autoscaler: "keda-job", min: 0, replicas: 0 },
    tasks: { enabled: true },
    kubernetes: {
        placement: {
            // Everything but browsers stays off the browser nodes...
            default: { nodeAffinity: { required: [{ key: "quorvex.io/pool", operator: "NotIn", values: ["browsers"] }], preferred: [] } },
            // ...and browsers run only there, tolerating their taint, at their own priority.
            workers: {
                nodeSelector: ["quorvex.io/pool=browsers"],
                tolerations: [{ key: "quorvex.io/browsers", operator: "Exists", effect: "NoSchedule" }],
                nodeAffinity: { required: [], preferred: [] },
                priorityClassName: "browsers",
            },
            tasks: {
                nodeSelector: ["quorvex.io/pool=browsers"],
                tolerations: [{ key: "quorvex.io/browsers", operator: "Exists", effect: "NoSchedule" }],
                nodeAffinity: { required: [], preferred: [{ weight: 50, key: "topology.kubernetes.io/zone", operator: "In", values: ["eu-west-1a"] }] },
            },
        },
    },
});

describe("placement", () => {
    it("by default pins nothing and spreads only the browser workers, over nodes and zones, without refusing one node", async () => {
        const all = pods(await stack("prod", PROD));
        for (const [name, pod] of Object.entries(all)) {
            if (name === "workers") continue;
            expect(placementOf(pod), name).toEqual({});
        }
        expect(placementOf(all.workers)).toEqual({
            topologySpreadConstraints: ["kubernetes.io/hostname", "topology.kubernetes.io/zone"].map((topologyKey) => ({
                maxSkew: 1,
                topologyKey,
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: { "app.kubernetes.io/name": "workers", "app.kubernetes.io/instance": "prod" } },
            })),
        });
    });

    it("keeps the data services off the browser nodes and puts browsers only there; setup Jobs follow their service", async () => {
        const run = await stack("prod", WORKERS_ON_BROWSER_NODES);
        const all = pods(run);
        const offBrowserNodes = {
            affinity: {
                nodeAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: {
                        nodeSelectorTerms: [{ matchExpressions: [{ key: "quorvex.io/pool", operator: "NotIn", values: ["browsers"] }] }],
                    },
                },
            },
        };
        for (const name of ["postgres", "postgres-roles", "redis", "minio", "minio-buckets", "backend", "backend-migrate", "postgres-backup"])
            expect(placementOf(all[name]), name).toEqual(offBrowserNodes);
        const onBrowserNodes = {
            nodeSelector: { "quorvex.io/pool": "browsers" },
            tolerations: [{ key: "quorvex.io/browsers", operator: "Exists", effect: "NoSchedule" }],
        };
        expect(placementOf(all.workers)).toMatchObject({ ...onBrowserNodes, priorityClassName: "browsers" });
        expect(all.workers.affinity).toBeUndefined();
        // The task template and KEDA's ScaledJob start the same pod.
        for (const name of ["task", "browser-tasks"])
            expect(placementOf(all[name]), name).toEqual({
                ...onBrowserNodes,
                affinity: {
                    nodeAffinity: {
                        preferredDuringSchedulingIgnoredDuringExecution: [
                            { weight: 50, preference: { matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["eu-west-1a"] }] } },
                        ],
                    },
                },
            });
        expect(await evaluate(run.resources)).toEqual([]);
    });

    it("reads the PriorityClass it names at preview and up (a missing one would leave the pods Pending), not when rendering YAML", async () => {
        expect((await stack("prod", WORKERS_ON_BROWSER_NODES)).lookups).toContain("kubernetes:scheduling.k8s.io/v1:PriorityClass::browsers");
        const rendered = await stack("prod", merge(WORKERS_ON_BROWSER_NODES, { kubernetes: { renderYamlToDirectory: "out/k8s" } }));
        expect(rendered.lookups).toEqual([]);
    });

    const refused = (placement: Json) => configProblems(merge(PROD, { kubernetes: { placement } })).join("\n");
    const required = (e: Json) => ({ default: { nodeAffinity: { required: [e], preferred: [] } } });

    it.each([
        [
            "In with no values",
            required({ key: "pool", operator: "In" }),
            "quorvex:kubernetes.placement.default.nodeAffinity.required[0].values",
            /at least one value with In/,
        ],
        ["Exists with values", required({ key: "pool", operator: "Exists", values: ["x"] }), "nodeAffinity.required[0].values", /must be empty with Exists/],
        ["Gt with a word", required({ key: "cores", operator: "Gt", values: ["many"] }), "nodeAffinity.required[0].values", /one integer with Gt/],
        ["a label key the API server refuses", required({ key: "bad key", operator: "Exists" }), "nodeAffinity.required[0].key", /label key/],
        [
            "a toleration that matches a value with Exists",
            { workers: { tolerations: [{ key: "k", operator: "Exists", value: "v" }] } },
            "placement.workers.tolerations[0].value",
            /empty with operator Exists/,
        ],
        [
            "a toleration period without NoExecute",
            { workers: { tolerations: [{ key: "k", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 30 }] } },
            "tolerations[0].tolerationSeconds",
            /only with effect NoExecute/,
        ],
        [
            "an unknown taint effect",
            { workers: { tolerations: [{ key: "k", operator: "Exists", effect: "Never" }] } },
            "tolerations[0].effect",
            /NoSchedule, PreferNoSchedule or NoExecute/,
        ],
        [
            "a PriorityClass that is not a name",
            { default: { priorityClassName: "High Priority" } },
            "placement.default.priorityClassName",
            /Kubernetes object name/,
        ],
        ["an unknown workload", { browsers: { tolerations: null } }, "quorvex:kubernetes.placement", /browsers/],
    ])("refuses %s, naming the key", (_title, placement, key, rule) => {
        const message = refused(placement);
        expect(message).toContain(key);
        expect(message).toMatch(rule);
    });

    it("accepts the edges: a toleration of every taint, and Gt with an integer", () => {
        expect(refused({ default: { tolerations: [{ operator: "Exists" }] } })).toBe("");
        expect(refused(required({ key: "cores", operator: "Gt", values: ["8"] }))).toBe("");
    });
});
