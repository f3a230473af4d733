/** `no-latest-images`: the compliant fixtures pass; each test breaks one field. */
import { describe, expect, it } from "vitest";
import { type ResourceRecord } from "../evaluate";
import { CONTAINER, dockerWorker, workloadFixtures, podPath, violations } from "./fixtures";

describe("no-latest-images", () => {
    it("passes pinned tags, digests and image IDs", async () => {
        const d = dockerWorker();
        d.inputs.image = "sha256:" + "a".repeat(64);
        const k = workloadFixtures()[1];
        podPath(k).containers[0].image = "example/app@sha256:" + "b".repeat(64);
        expect(await violations("no-latest-images", [...workloadFixtures(), d, k])).toEqual([]);
    });

    it.each([
        ["example/app:latest", /uses the `latest` tag/],
        ["example/app", /has no tag/],
        ["registry.local:5000/app", /has no tag/],
    ])("flags %s", async (image, why) => {
        const k = workloadFixtures()[1];
        podPath(k).containers[0].image = image;
        const [v] = await violations("no-latest-images", k);
        expect(v.message).toMatch(why);
        expect(v.message).toMatch(/spec\.template\.spec\.containers\[0\]\.image/);
    });

    it("checks docker.RemoteImage names and docker.Container images", async () => {
        const pull: ResourceRecord = { type: "docker:index/remoteImage:RemoteImage", name: "img", inputs: { name: "nginx:latest" } };
        const d = dockerWorker();
        d.inputs.image = "nginx";
        expect((await violations("no-latest-images", [pull, d])).map((v) => v.resource)).toEqual([
            "docker:index/remoteImage:RemoteImage::img",
            `${CONTAINER}::workers-1`,
        ]);
    });
});

// --- stateful-data-protected ---------------------------------------------------
