/** `browser-workers-have-cpu-limits`: the compliant fixtures pass; each test breaks one field. */
import { describe, expect, it } from "vitest";
import { dockerWorker, browserDeployment, workloadFixtures, violations } from "./fixtures";

describe("browser-workers-have-cpu-limits", () => {
    it("passes the fixtures", async () => expect(await violations("browser-workers-have-cpu-limits", workloadFixtures())).toEqual([]));

    it("reads every form the Docker provider stores `cpus` in (2.0, 0.25, 16.)", async () => {
        for (const cpus of ["2.0", "0.25"]) {
            const d = dockerWorker();
            d.inputs.cpus = cpus;
            expect(await violations("browser-workers-have-cpu-limits", d), cpus).toEqual([]);
        }
        const big = dockerWorker();
        big.inputs.cpus = "16.";
        expect((await violations("browser-workers-have-cpu-limits", big))[0].message).toMatch(/CPU limit 16 cores is above 8/);
    });

    it("flags a browser container without a CPU limit, on both targets", async () => {
        const d = dockerWorker();
        delete d.inputs.cpus;
        expect((await violations("browser-workers-have-cpu-limits", d))[0].message).toMatch(/without a CPU limit \(`cpus`\)/);
        const k = browserDeployment();
        delete k.inputs.spec.template.spec.containers[0].resources.limits.cpu;
        expect((await violations("browser-workers-have-cpu-limits", k))[0].message).toMatch(/resources\.limits\.cpu/);
    });
});

// --- images -----------------------------------------------------------------
