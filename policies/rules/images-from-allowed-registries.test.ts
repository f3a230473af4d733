/** `images-from-allowed-registries`: the compliant fixtures pass; each test breaks one field. */
import { describe, expect, it } from "vitest";
import { dockerWorker, violations, workloadFixtures } from "./fixtures";

describe("images-from-allowed-registries", () => {
    it("passes the fixtures, whose images come from the default registries", async () => {
        expect(await violations("images-from-allowed-registries", workloadFixtures())).toEqual([]);
    });

    it("flags an image from another registry, naming the field, as advisory by default", async () => {
        const r = dockerWorker();
        r.inputs.image = "registry.evil.example.com/worker:1.0.0";
        const [v] = await violations("images-from-allowed-registries", r);
        expect(v).toMatchObject({ level: "advisory" });
        expect(v.message).toBe(
            "docker.Container `quorvex-dev-workers-1`: image `registry.evil.example.com/worker:1.0.0` (`image`) comes from registry.evil.example.com, which is not an allowed registry (docker.io, quay.io, ghcr.io)",
        );
    });

    it("allows a mirror by its path prefix only", async () => {
        const config = { "images-from-allowed-registries": { allowedRegistries: ["mirror.corp.example.com/hub"] } };
        const mirrored = dockerWorker();
        mirrored.inputs.image = "mirror.corp.example.com/hub/quorvex/worker:1.0.0";
        expect(await violations("images-from-allowed-registries", mirrored, config)).toEqual([]);
        const beside = dockerWorker();
        beside.inputs.image = "mirror.corp.example.com/other/worker:1.0.0";
        expect(await violations("images-from-allowed-registries", beside, config)).toHaveLength(1);
    });
});
