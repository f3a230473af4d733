/** `pulumi up` loads index.ts through ts-node with type checking: the program must load that way on both targets. */
import { spawnSync } from "child_process";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { OUTPUT_NAMES } from "../contract/outputs";

function load(stack: string, config: Record<string, string>) {
    const r = spawnSync(process.execPath, [path.join(__dirname, "fixtures", "load-like-pulumi.js")], {
        encoding: "utf8",
        env: { ...process.env, QUORVEX_TEST_STACK: stack, QUORVEX_TEST_CONFIG: JSON.stringify(config) },
    });
    const last = r.stdout.trim().split("\n").pop() ?? "{}";
    return { status: r.status, result: JSON.parse(last) as { resources?: number; types?: string[]; outputs?: string[]; error?: string }, stderr: r.stderr };
}

describe("loading index.ts as Pulumi does (ts-node, type-checked)", () => {
    it("runs the Docker dev stack and exports the whole outputs contract", () => {
        const { status, result, stderr } = load("dev", { "quorvex:protection": '{"protect":false,"retainOnDelete":false}' });
        expect(stderr).not.toMatch(/TSError|error TS/);
        expect(status).toBe(0);
        expect(result.resources).toBeGreaterThan(20);
        expect(result.types).toContain("docker:index/container:Container");
        expect(result.outputs!.sort()).toEqual([...OUTPUT_NAMES].sort());
    });

    it("runs the Kubernetes prod stack and loads no Docker provider module", () => {
        const { status, result } = load("prod", { "quorvex:target": "kubernetes" });
        expect(status).toBe(0);
        expect(result.types).toContain("kubernetes:apps/v1:Deployment");
        expect(result.types!.some((t) => t.startsWith("docker:"))).toBe(false);
    });

    it("fails with the config key in the message on bad config", () => {
        const { status, result } = load("dev", { "quorvex:archive": '{"hotDays":30,"totalDays":10}' });
        expect(status).toBe(1);
        expect(result.error).toMatch(/quorvex:archive.totalDays = 10/);
    });
});
