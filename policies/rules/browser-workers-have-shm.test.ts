/** `browser-workers-have-shm`: the compliant fixtures pass; each test breaks one field. */
import { describe, expect, it } from "vitest";
import { MARKERS } from "../lib/markers";
import { dockerWorker, browserDeployment, workloadFixtures, violations } from "./fixtures";

describe("browser-workers-have-shm", () => {
    it("passes browser workers on Docker and Kubernetes, and ignores non-browser containers", async () => {
        expect(await violations("browser-workers-have-shm", workloadFixtures())).toEqual([]);
    });

    it("flags a Docker browser container with shm below 1Gi", async () => {
        const r = dockerWorker();
        r.inputs.shmSize = 512;
        expect((await violations("browser-workers-have-shm", r))[0].message).toBe(
            "docker.Container `quorvex-dev-workers-1`: /dev/shm is 512Mi (`shmSize`); need at least 1Gi",
        );
    });

    it("flags a Docker browser container without shmSize (Docker's 64MB default)", async () => {
        const r = dockerWorker();
        delete r.inputs.shmSize;
        expect((await violations("browser-workers-have-shm", r))[0].message).toMatch(/no \/dev\/shm of its own \(`shmSize`\)/);
    });

    it("flags a Kubernetes browser container with a small Memory emptyDir", async () => {
        const r = browserDeployment();
        r.inputs.spec.template.spec.volumes[0].emptyDir.sizeLimit = "512Mi";
        expect((await violations("browser-workers-have-shm", r))[0].message).toBe(
            "container `worker` of Deployment `browser-workers`: /dev/shm is 512Mi (`spec.template.spec.volumes[0].emptyDir.sizeLimit`); need at least 1Gi",
        );
    });

    it("flags an unbounded shm emptyDir, a disk-backed one, and none at all", async () => {
        const unbounded = browserDeployment();
        delete unbounded.inputs.spec.template.spec.volumes[0].emptyDir.sizeLimit;
        expect((await violations("browser-workers-have-shm", unbounded))[0].message).toMatch(/no readable sizeLimit/);
        const disk = browserDeployment();
        delete disk.inputs.spec.template.spec.volumes[0].emptyDir.medium;
        expect((await violations("browser-workers-have-shm", disk))[0].message).toMatch(/no \/dev\/shm of its own/);
        const none = browserDeployment();
        none.inputs.spec.template.spec.containers[0].volumeMounts = [];
        expect(await violations("browser-workers-have-shm", none)).toHaveLength(1);
    });

    it("recognises browsers in others' stacks by image pattern, without our label", async () => {
        const r = browserDeployment();
        delete r.inputs.spec.template.metadata.labels[MARKERS.runsBrowsers];
        r.inputs.spec.template.spec.containers[0].image = "mcr.microsoft.com/playwright:v1.48.0-jammy";
        r.inputs.spec.template.spec.volumes = [];
        expect(await violations("browser-workers-have-shm", r)).toHaveLength(1);
        expect(await violations("browser-workers-have-shm", r, { "browser-workers-have-shm": { browserImagePatterns: [] } })).toHaveLength(0);
    });
});
