/** `memory-within-bounds`: the compliant fixtures pass; each test breaks one field. */
import { describe, expect, it } from "vitest";
import { browserDeployment, workloadFixtures, podPath, violations } from "./fixtures";

describe("memory-within-bounds", () => {
    it("passes the fixtures", async () => expect(await violations("memory-within-bounds", workloadFixtures())).toEqual([]));

    it("flags a browser container below 2Gi and an ordinary one above its max, as advisory", async () => {
        const small = browserDeployment();
        small.inputs.spec.template.spec.containers[0].resources.limits.memory = "1Gi";
        const [v] = await violations("memory-within-bounds", small);
        expect(v).toMatchObject({ level: "advisory" });
        expect(v.message).toMatch(/memory limit 1Gi is outside 2Gi..32Gi for a browser container/);
        const big = workloadFixtures()[1];
        podPath(big).containers[0].resources.limits.memory = "64Gi";
        expect((await violations("memory-within-bounds", big))[0].message).toMatch(/memory limit 64Gi is outside 32Mi..16Gi for an ordinary container/);
    });
});
