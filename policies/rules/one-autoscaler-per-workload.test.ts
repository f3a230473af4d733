/** `one-autoscaler-per-workload`: the compliant fixtures pass; each test breaks one field. */
import { describe, expect, it } from "vitest";
import { violations, type Fixture } from "./fixtures";

describe("one-autoscaler-per-workload", () => {
    const hpa = (name: string, target: string, ns = "qa"): Fixture => ({
        type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        name,
        inputs: { metadata: { name, namespace: ns }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target } } },
    });
    const so = (name: string, target: string, ns = "qa"): Fixture => ({
        type: "kubernetes:keda.sh/v1alpha1:ScaledObject",
        name,
        inputs: { metadata: { name, namespace: ns }, spec: { scaleTargetRef: { name: target } } },
    });

    it("passes one autoscaler per workload", async () => {
        expect(await violations("one-autoscaler-per-workload", [hpa("a", "workers"), so("b", "other"), so("c", "workers", "elsewhere")])).toEqual([]);
    });

    it("flags an HPA and a ScaledObject on the same Deployment", async () => {
        const [v] = await violations("one-autoscaler-per-workload", [hpa("workers", "workers"), so("workers-keda", "workers")]);
        expect(v).toMatchObject({ level: "mandatory", resource: null });
        expect(v.message).toBe(
            "Deployment `workers` (namespace qa) is targeted by 2 autoscalers: HorizontalPodAutoscaler `workers`, ScaledObject `workers-keda`; keep exactly one",
        );
    });

    it("flags two HPAs on one Deployment", async () => {
        expect(await violations("one-autoscaler-per-workload", [hpa("a", "workers"), hpa("b", "workers")])).toHaveLength(1);
    });

    const redis = (list: string) => ({ type: "redis", metadata: { address: "redis.qa.svc:6379", listName: list, listLength: "1" } });
    const sj = (name: string, list: string, ns = "tasks"): Fixture => ({
        type: "kubernetes:keda.sh/v1alpha1:ScaledJob",
        name,
        inputs: { metadata: { name, namespace: ns }, spec: { jobTargetRef: { template: { spec: { containers: [] } } }, triggers: [redis(list)] } },
    });
    const consumer = (name: string, list: string): Fixture => ({
        type: "kubernetes:apps/v1:Deployment",
        name,
        inputs: {
            metadata: { name, namespace: "qa" },
            spec: { template: { spec: { containers: [{ name, image: "w:1", env: [{ name: "BROWSER_JOB_QUEUE", value: list }] }] } } },
        },
    });
    const kedaOn = (name: string, target: string, list: string): Fixture => {
        const f = so(name, target);
        (f.inputs.spec as Record<string, unknown>).triggers = [redis(list)];
        return f;
    };

    it("passes a ScaledJob on a queue whose pool has a fixed size, or whose autoscalers serve other queues", async () => {
        expect(await violations("one-autoscaler-per-workload", [sj("tasks", "jobs"), consumer("workers", "jobs")])).toEqual([]);
        expect(
            await violations("one-autoscaler-per-workload", [
                sj("tasks", "jobs"),
                consumer("workers", "other"),
                hpa("workers", "workers"),
                kedaOn("o", "x", "other"),
            ]),
        ).toEqual([]);
    });

    it("flags a ScaledJob beside an HPA of a pool that takes jobs from its queue", async () => {
        const [v] = await violations("one-autoscaler-per-workload", [sj("browser-tasks", "jobs"), consumer("workers", "jobs"), hpa("workers", "workers")]);
        expect(v.message).toBe(
            "queue `jobs` is scaled for by 2 autoscalers: ScaledJob `browser-tasks` (namespace tasks), HorizontalPodAutoscaler `workers` (namespace qa); keep exactly one: each adds capacity for the same jobs",
        );
    });

    it("flags a ScaledJob beside a ScaledObject that counts the same queue, and two ScaledJobs on one queue", async () => {
        expect(await violations("one-autoscaler-per-workload", [sj("t", "jobs"), kedaOn("w", "workers", "jobs")])).toHaveLength(1);
        expect(await violations("one-autoscaler-per-workload", [sj("t", "jobs"), sj("u", "jobs", "more")])).toHaveLength(1);
    });
});
