/** `shm-within-memory-limit`: the compliant fixtures pass; each test breaks one field. */
import { describe, expect, it } from "vitest";
import { dockerWorker, browserDeployment, violations } from "./fixtures";

describe("shm-within-memory-limit", () => {
    it("passes 2Gi with 1Gi shm (Docker) and 3Gi with 1Gi shm (Kubernetes)", async () => {
        expect(await violations("shm-within-memory-limit", [dockerWorker(), browserDeployment()])).toEqual([]);
    });

    it("flags shm within 1Gi of the limit, with the figures", async () => {
        const r = browserDeployment();
        r.inputs.spec.template.spec.containers[0].resources.limits.memory = "2Gi";
        r.inputs.spec.template.spec.volumes[0].emptyDir.sizeLimit = "1536Mi";
        expect((await violations("shm-within-memory-limit", r))[0].message).toBe(
            "container `worker` of Deployment `browser-workers`: memory limit 2Gi leaves 512Mi above a 1.5Gi /dev/shm; need at least 1Gi",
        );
    });

    it("flags a Docker worker whose shm equals its memory", async () => {
        const r = dockerWorker();
        r.inputs.shmSize = 2048;
        expect((await violations("shm-within-memory-limit", r))[0].message).toMatch(/leaves 0Mi above a 2Gi \/dev\/shm/);
    });

    it("honours a configured headroom", async () => {
        expect(await violations("shm-within-memory-limit", dockerWorker(), { "shm-within-memory-limit": { minHeadroomMiB: 1536 } })).toHaveLength(1);
    });
});

// --- memory-within-bounds, cpu ------------------------------------------------
