/** `docker-host-memory-budget`: the compliant fixtures pass; each test breaks one field. */
import { describe, expect, it } from "vitest";
import { dockerWorker, violations } from "./fixtures";

describe("docker-host-memory-budget", () => {
    const workers = (n: number) =>
        Array.from({ length: n }, (_, i) => {
            const r = dockerWorker();
            r.name = `workers-${i + 1}`;
            r.inputs.name = `w${i + 1}`;
            return r;
        });

    it("passes 16 workers of 2GB on a 32GB host", async () => expect(await violations("docker-host-memory-budget", workers(16))).toEqual([]));

    it("flags 17, with the figure, as advisory by default", async () => {
        const [v] = await violations("docker-host-memory-budget", workers(17));
        expect(v.level).toBe("advisory");
        expect(v.message).toBe("the 17 Docker containers' memory limits add up to 34Gi, above the 32Gi the host offers (32Gi host); over by 2Gi");
    });

    it("ignores one-shot task containers and honours a configured host and reserve", async () => {
        const task = dockerWorker();
        task.inputs.attach = true;
        task.inputs.memory = 100000;
        expect(await violations("docker-host-memory-budget", [...workers(1), task])).toEqual([]);
        expect(
            await violations("docker-host-memory-budget", workers(8), { "docker-host-memory-budget": { hostMemoryMiB: 16384, reserveMiB: 1024 } }),
        ).toHaveLength(1);
    });
});
