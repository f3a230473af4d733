/**
 * Browser pools (`workers.pools`): a named pool is a pool of its own on both targets (its
 * workload, queue, Redis and MinIO users, autoscaler, placement), each key it leaves out taking
 * the default pool's; the default config keeps the one pool it always had; the pack, the
 * capacity table and the outputs contract see every pool; bad pools are refused at the door.
 */
import { describe, expect, it } from "vitest";
import { poolsOf, WORKER_OWN_ENV, type WorkersSection } from "../components/services/workers";
import { resolveConfig } from "../config/load";
import { compare } from "../tools/compare";
import { planStack } from "../tools/planner";
import { configProblems, DEV_WORKERS, envOf, k8sEnv, merge, one, PROD, stack, type Json, type StackRun } from "./helpers";

/** A Chromium pool (the default one) and a Firefox pool on tainted nodes, autoscaled on its own queue by KEDA. */
const FIREFOX = {
    image: "ghcr.io/quorvex/worker-firefox:1.4.0",
    autoscaler: "keda",
    min: 1,
    max: 6,
    resources: { cpu: { request: "500m", limit: "1" }, memory: { request: "1Gi", limit: "2560Mi" } },
    shm: "1536Mi",
    env: { BROWSER_FILTER: "firefox" },
};
const PROD_POOLS = merge(PROD, {
    workers: { pools: { firefox: FIREFOX } },
    kubernetes: {
        placement: {
            pools: {
                firefox: {
                    nodeSelector: ["quorvex.io/pool=firefox"],
                    tolerations: [{ key: "quorvex.io/firefox", operator: "Exists", effect: "NoSchedule" }],
                },
            },
        },
    },
});
const DEV_POOLS = merge(DEV_WORKERS, { workers: { replicas: 2, pools: { firefox: { replicas: 1, env: { BROWSER_FILTER: "firefox" } } } } });

const deployment = (run: StackRun, name: string) => one(run, "kubernetes:apps/v1:Deployment", name).inputs as Json;
/** The ACL Redis starts with (its start script writes one line per user). */
const aclOf = (run: StackRun) => JSON.stringify(one(run, "kubernetes:apps/v1:StatefulSet", "redis").inputs);

describe("browser pools", () => {
    describe("the config", () => {
        const workers = (over: Record<string, unknown>) => resolveConfig(merge(PROD, { workers: over })).config.workers as WorkersSection;

        it("has one pool by default, named `workers`, on the queue it always had", () => {
            const pools = poolsOf(workers({}), "w:1");
            expect(pools.map((p) => [p.key, p.role, p.queue.listName, p.image])).toEqual([[null, "workers", "browser-jobs", "w:1"]]);
        });

        it("gives a named pool the default pool's values for every key it leaves out, and a queue of its own", () => {
            const [base, firefox] = poolsOf(workers({ pools: { firefox: { max: 6 } } }), "w:1");
            expect(firefox).toEqual({ ...base, key: "firefox", role: "workers-firefox", max: 6, queue: { ...base.queue, listName: "browser-jobs-firefox" } });
        });

        it.each([
            [{ pools: { Firefox: {} } }, "quorvex:workers.pools.Firefox"],
            [{ pools: { scaler: {} } }, "must not be named scaler or default"],
            [
                { pools: { firefox: { queue: { listName: "browser-jobs" } } } },
                "must differ from workers.queue.listName (browser-jobs): each pool takes its own queue",
            ],
            [{ pools: { firefox: { env: { REDIS_URL: "redis://elsewhere" } } } }, "quorvex:workers.pools.firefox.env.REDIS_URL"],
            [{ pools: { firefox: { autoscaler: "keda-job" } } }, "keda-job runs the default pool's queue"],
            [{ pools: { firefox: { min: 7, max: 6 } } }, "quorvex:workers.pools.firefox.min = 7: must not exceed workers.pools.firefox.max (6)"],
            [{ pools: { firefox: { shm: "3Gi" } } }, "quorvex:workers.pools.firefox.resources.memory.limit"],
            [{ pools: { firefox: { colour: "orange" } } }, "unknown key"],
        ])("refuses %j (%s)", (over, problem) => {
            const problems = configProblems(merge(PROD, { workers: over }));
            expect(problems.join("\n")).toContain(problem);
        });

        it("keeps from a pool's env every variable the program gives a worker", async () => {
            const run = await stack("prod", PROD);
            const given = Object.keys(k8sEnv(deployment(run, "workers").spec.template.spec.containers[0]));
            expect(given.filter((n) => !(WORKER_OWN_ENV as readonly string[]).includes(n))).toEqual([]);
        });

        it("refuses a pool's autoscaler a target does not have, a placement of a pool that does not exist, and pools without Redis", () => {
            expect(configProblems(merge(DEV_WORKERS, { workers: { pools: { firefox: { autoscaler: "hpa" } } } })).join("\n")).toContain(
                "must be none on the docker target",
            );
            expect(configProblems(merge(PROD, { kubernetes: { placement: { pools: { firefox: {} } } } })).join("\n")).toContain(
                "quorvex:kubernetes.placement.pools.firefox",
            );
            expect(configProblems(merge(DEV_POOLS, { mode: "standard", redis: { enabled: false }, workers: { replicas: 0 } })).join("\n")).toContain(
                "quorvex:redis.enabled = false: must be true with workers.pools (firefox)",
            );
        });
    });

    describe("on Kubernetes", () => {
        it("runs a named pool as a Deployment of its own, with its image, resources, shm, extra env and queue, as its own Redis and MinIO users", async () => {
            const run = await stack("prod", PROD_POOLS);
            const pod = deployment(run, "workers-firefox").spec.template.spec;
            const [c] = pod.containers;
            expect(c.image).toBe(FIREFOX.image);
            expect(c.resources.limits.memory).toBe("2560Mi");
            expect(pod.volumes.find((v: Json) => v.emptyDir?.medium === "Memory").emptyDir.sizeLimit).toBe("1536Mi");
            const env = k8sEnv(c);
            expect(env.BROWSER_JOB_QUEUE).toBe("browser-jobs-firefox");
            expect(env.BROWSER_FILTER).toBe("firefox");
            // The default pool is as it was: its queue, no extra env.
            const chromium = k8sEnv(deployment(run, "workers").spec.template.spec.containers[0]);
            expect(chromium.BROWSER_JOB_QUEUE).toBe("browser-jobs");
            expect(chromium.BROWSER_FILTER).toBeUndefined();
            // The backend knows where a Firefox job goes.
            expect(JSON.parse(k8sEnv(deployment(run, "backend").spec.template.spec.containers[0]).BROWSER_POOL_QUEUES)).toEqual({
                firefox: "browser-jobs-firefox",
            });
        });

        it("gives each pool its own Redis user on its own list, KEDA a user that reads only that list's length, and other teams reads of every list", async () => {
            const run = await stack("prod", PROD_POOLS);
            const acl = aclOf(run);
            expect(acl).toContain(
                'user workers-firefox on #$(sha \\"$USER_PASSWORD_WORKERS_FIREFOX\\") resetkeys ~browser-jobs-firefox ~browser-jobs-firefox:* resetchannels',
            );
            expect(acl).toContain(
                'user scaler-firefox on #$(sha \\"$USER_PASSWORD_WORKERS_FIREFOX_SCALER\\") resetkeys ~browser-jobs-firefox resetchannels -@all +ping +eval +type +llen',
            );
            expect(acl).toContain("resetkeys ~browser-jobs ~browser-jobs:* ~browser-jobs-firefox ~browser-jobs-firefox:* resetchannels -@all +@read");
            const so = run.resources.find((r) => r.type === "kubernetes:keda.sh/v1alpha1:ScaledObject")!.inputs as Json;
            expect(so.metadata.name).toBe("workers-firefox");
            expect(so.spec.minReplicaCount).toBe(1);
            expect(so.spec.maxReplicaCount).toBe(6);
            expect(so.spec.triggers.find((t: Json) => t.type === "redis").metadata.listName).toBe("browser-jobs-firefox");
            // The default pool keeps its HPA: two autoscalers, one per pool.
            expect(
                run.resources
                    .filter((r) => r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
                    .map((r) => (r.inputs as Json).spec.scaleTargetRef.name),
            ).toEqual(["workers"]);
        });

        it("scales two pools with KEDA, each admitting KEDA to Redis by a policy of its own (one name would be one URN twice)", async () => {
            const { document } = await planStack({ stack: "prod", sets: ["workers.autoscaler=keda", "workers.pools.firefox.autoscaler=keda"] });
            expect(document.resources.filter((r) => r.name.includes("-from-keda")).map((r) => r.name)).toEqual([
                "redis-from-keda",
                "redis-from-keda-workers-firefox",
            ]);
            expect(document.resources.filter((r) => r.type === "kubernetes:keda.sh/v1alpha1:ScaledObject").map((r) => r.name)).toEqual([
                "workers",
                "workers-firefox",
            ]);
            expect(document.policy.violations).toEqual([]);
        });

        it("places a named pool by its own placement over the workers', tainted nodes and all", async () => {
            const run = await stack("prod", PROD_POOLS);
            const firefox = deployment(run, "workers-firefox").spec.template.spec;
            expect(firefox.nodeSelector).toEqual({ "quorvex.io/pool": "firefox" });
            expect(firefox.tolerations).toEqual([{ key: "quorvex.io/firefox", operator: "Exists", effect: "NoSchedule" }]);
            // Spread as the workers are (its own field left out), over its own pods.
            expect(firefox.topologySpreadConstraints.map((t: Json) => t.labelSelector.matchLabels["app.kubernetes.io/name"])).toEqual([
                "workers-firefox",
                "workers-firefox",
            ]);
            const chromium = deployment(run, "workers").spec.template.spec;
            expect(chromium.nodeSelector).toBeUndefined();
            expect(chromium.tolerations).toBeUndefined();
        });

        it("passes the pack, and the capacity table shows each pool at its own min and max", async () => {
            const { document } = await planStack({
                stack: "prod",
                sets: ["workers.pools.firefox.autoscaler=keda", "workers.pools.firefox.min=1", "workers.pools.firefox.max=6"],
            });
            expect(document.policy.violations).toEqual([]);
            const rows = document.capacity.rows.filter((r) => r.component === "browser-worker");
            expect(rows.map((r) => [r.service, r.replicas])).toEqual([
                ["workers", { min: 2, max: 20 }],
                ["workers-firefox", { min: 1, max: 6 }],
            ]);
        });

        it("checks a named pool as it checks the default one (a pool with too small a /dev/shm is refused)", async () => {
            const { document } = await planStack({ stack: "prod", sets: ["workers.pools.firefox.shm=512Mi"] });
            expect(document.policy.violations.map((v) => [v.policy, v.resource])).toEqual([
                ["browser-workers-have-shm", "kubernetes:apps/v1:Deployment::workers-firefox"],
            ]);
        });

        it("watches each pool: an alert of its own at its maximum (KEDA's HPA, labelled with the pool) and its replicas on the dashboard", async () => {
            const run = await stack("prod", merge(PROD_POOLS, { kubernetes: { monitoring: { enabled: true } } }));
            const rule = run.resources.find((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule")!.inputs as Json;
            const atMax = rule.spec.groups[0].rules.filter((r: Json) => r.alert === "QuorvexWorkersAtMax");
            expect(atMax.map((r: Json) => [r.labels, r.expr.match(/horizontalpodautoscaler="([^"]+)"/)[1]])).toEqual([
                [{ severity: "warning" }, "workers"],
                [{ severity: "warning", pool: "firefox" }, "keda-hpa-workers-firefox"],
            ]);
            const board = run.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && (r.inputs as Json).metadata.name === "quorvex-dashboard")!;
            const fleet = JSON.parse((board.inputs as Json).data["quorvex.json"]).panels[0].targets.map((t: Json) => t.legendFormat);
            expect(fleet).toEqual(["running", "max", "firefox running", "firefox max"]);
        });

        it("exports every pool with its queue and bounds", async () => {
            const run = await stack("prod", PROD_POOLS);
            expect(run.outputs.workerPools.value).toEqual([
                { name: "workers", queue: "browser-jobs", minReplicas: 2, maxReplicas: 20 },
                { name: "workers-firefox", queue: "browser-jobs-firefox", minReplicas: 1, maxReplicas: 6 },
            ]);
        });
    });

    describe("on Docker", () => {
        it("runs each pool's containers on the one host, each on its own queue, the host's memory budget counting them all", async () => {
            const run = await stack("dev", DEV_POOLS);
            const containers = run.resources.filter((r) => r.type === "docker:index/container:Container");
            const firefox = containers.filter((r) => /^workers-firefox-\d+$/.test(r.name));
            expect(firefox).toHaveLength(1);
            expect(envOf(firefox[0]).BROWSER_JOB_QUEUE).toBe("browser-jobs-firefox");
            expect(envOf(firefox[0]).BROWSER_FILTER).toBe("firefox");
            expect(containers.filter((r) => /^workers-\d+$/.test(r.name))).toHaveLength(2);
            const { document } = await planStack({ stack: "dev", sets: ["mode=workers", "workers.replicas=2", "workers.pools.firefox.replicas=1"] });
            expect(document.policy.violations).toEqual([]);
        });

        it("warns above 8 workers on the one host, counting every pool's", () => {
            const warnings = (replicas: number) =>
                resolveConfig(merge(DEV_WORKERS, { workers: { replicas: 4, pools: { firefox: { replicas } } } })).warnings.join("\n");
            expect(warnings(4)).not.toMatch(/workers the platform sizes one Docker host for/);
            expect(warnings(5)).toContain(
                "quorvex:workers.replicas = 4 with workers.pools' 5 (9 workers): more than the 8 workers the platform sizes one Docker host for",
            );
        });

        it("refuses a host too small for every pool together (docker-host-memory-budget)", async () => {
            const { document } = await planStack({ stack: "dev", sets: ["mode=workers", "workers.replicas=2", "workers.pools.firefox.replicas=40"] });
            expect(document.policy.violations.map((v) => v.policy)).toContain("docker-host-memory-budget");
        });
    });

    describe("in a change review (`npm run plan -- --compare`)", () => {
        const plan = async (stack: string, sets: string[]) => (await planStack({ stack, sets })).document.resources;
        it.each([
            ["prod", []],
            ["dev", ["mode=workers", "workers.replicas=2"]],
        ])("%s: adding a pool is no risk; renaming or removing one is (its list is left with no worker)", async (stack, base) => {
            const before = await plan(stack, [...base, "workers.pools.firefox.replicas=1"]);
            const added = compare(await plan(stack, base), before);
            expect(added.dataLoss).toEqual([]);
            expect(added.added.some((a) => a.includes("workers-firefox"))).toBe(true);
            const renamed = compare(before, await plan(stack, [...base, "workers.pools.gecko.replicas=1"]));
            expect(renamed.dataLoss.map((d) => d.resource)).toEqual(["browser pool workers-firefox"]);
            // The new pool keeps the old one's list: no risk where the plan shows lists (Kubernetes; a Docker container's env is secret in a plan).
            const kept = compare(
                before,
                await plan(stack, [...base, "workers.pools.gecko.replicas=1", "workers.pools.gecko.queue.listName=browser-jobs-firefox"]),
            );
            expect(kept.dataLoss.map((d) => d.resource)).toEqual(stack === "prod" ? [] : ["browser pool workers-firefox"]);
        });
    });

    it("keeps the plan of a stack without pools as it was (no extra env on the backend)", async () => {
        const run = await stack("prod", PROD);
        expect(k8sEnv(deployment(run, "backend").spec.template.spec.containers[0]).BROWSER_POOL_QUEUES).toBeUndefined();
        expect(run.outputs.workerPools.value).toEqual([{ name: "workers", queue: "browser-jobs", minReplicas: 2, maxReplicas: 20 }]);
    });
});
