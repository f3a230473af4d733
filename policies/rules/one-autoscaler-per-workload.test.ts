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
});
