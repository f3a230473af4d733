/** `pulumi up` loads index.ts through ts-node with type checking: the program must load that way on both targets. */
import { spawnSync } from "child_process";
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { OUTPUT_NAMES } from "../contract/outputs";

type Result = { resources?: number; types?: string[]; outputs?: string[]; error?: string };

const CASES = [
    { stack: "dev", config: { "quorvex:protection": '{"protect":false,"retainOnDelete":false}' } },
    { stack: "prod", config: { "quorvex:target": "kubernetes" } },
    { stack: "dev", config: { "quorvex:archive": '{"hotDays":30,"totalDays":10}' } },
];

describe("loading index.ts as Pulumi does (ts-node, type-checked)", () => {
    let status: number | null = null;
    let stderr = "";
    let results: Result[] = [];
    beforeAll(() => {
        // One process for every case: the type checker starts once.
        const r = spawnSync(process.execPath, [path.join(__dirname, "fixtures", "load-like-pulumi.js")], {
            encoding: "utf8",
            env: { ...process.env, QUORVEX_TEST_CASES: JSON.stringify(CASES) },
        });
        status = r.status;
        stderr = r.stderr;
        results = r.stdout
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l) as Result);
    });

    it("type-checks and loads without a compiler error", () => {
        expect(stderr).not.toMatch(/TSError|error TS/);
        expect(status).toBe(0);
        expect(results).toHaveLength(CASES.length);
    });

    it("runs the Docker dev stack and exports the whole outputs contract", () => {
        const [dev] = results;
        expect(dev.resources).toBeGreaterThan(20);
        expect(dev.types).toContain("docker:index/container:Container");
        expect(dev.outputs!.sort()).toEqual([...OUTPUT_NAMES].sort());
    });

    it("runs the Kubernetes prod stack and loads no Docker resource", () => {
        const prod = results[1];
        expect(prod.types).toContain("kubernetes:apps/v1:Deployment");
        expect(prod.types!.some((t) => t.startsWith("docker:"))).toBe(false);
    });

    it("fails with the config key in the message on bad config", () => {
        expect(results[2].error).toMatch(/quorvex:archive.totalDays = 10/);
    });
});
