/** `containers-have-memory-limits`: the compliant fixtures pass; each test breaks one field. */
import { describe, expect, it } from "vitest";
import { CONTAINER, dockerWorker, workloadFixtures, podPath, violations } from "./fixtures";

describe("containers-have-memory-limits", () => {
    it("passes a compliant fixture of every workload kind", async () => {
        expect(await violations("containers-have-memory-limits", workloadFixtures())).toEqual([]);
    });

    it.each(workloadFixtures().filter((r) => r.type !== CONTAINER))("flags %s without a memory limit", async (r) => {
        delete podPath(r).containers[0].resources.limits.memory;
        const [v] = await violations("containers-have-memory-limits", r);
        expect(v.message).toMatch(/no memory limit .*resources\.limits\.memory/);
        expect(v.resource).toBe(`${r.type}::${r.name}`);
    });

    it("flags a docker.Container without `memory`", async () => {
        const r = dockerWorker();
        delete r.inputs.memory;
        expect((await violations("containers-have-memory-limits", r))[0].message).toBe(
            "docker.Container `quorvex-dev-workers-1`: no memory limit (`memory`); set one so it cannot starve its neighbours",
        );
    });

    it("flags a memory request above the limit", async () => {
        const r = workloadFixtures()[1];
        podPath(r).containers[0].resources.requests.memory = "1Gi";
        expect((await violations("containers-have-memory-limits", r))[0].message).toMatch(/memory request 1Gi is above its limit 512Mi/);
    });

    it("flags a missing memory request", async () => {
        const r = workloadFixtures()[1];
        delete podPath(r).containers[0].resources.requests.memory;
        expect((await violations("containers-have-memory-limits", r))[0].message).toMatch(/no memory request/);
    });

    it("checks init containers too", async () => {
        const r = workloadFixtures()[1];
        podPath(r).initContainers = [{ name: "migrate", image: "example/app:1.2.3", resources: {} }];
        expect((await violations("containers-have-memory-limits", r))[0].message).toMatch(
            /^init container `migrate` of Deployment `deployment`: no memory limit/,
        );
    });
});

// --- browser-workers-have-shm / shm-within-memory-limit ------------------------
