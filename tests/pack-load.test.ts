/**
 * `pulumi preview --policy-pack policies` loads the pack through ts-node with
 * type-checking forced on: at every preview and up it parsed and bound the pack
 * with every declaration it imports (about 1.7 s of a 5.6 s preview of prod). The
 * pack's entry hands its files to a transpile-only loader instead; CI
 * type-checks them. Loaded here by the CLI's own runtime code.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { describe, expect, it } from "vitest";

describe("the policy pack, loaded as the CLI loads it", () => {
    it("loads every policy without the runtime's type-checking loader compiling any of its files", () => {
        const r = spawnSync(process.execPath, [path.join(__dirname, "fixtures", "load-pack-like-pulumi.js")], { encoding: "utf8", timeout: 60_000 });
        const line = r.stderr.trim().split("\n").pop() ?? "";
        const result = JSON.parse(line) as { typeChecked: string[]; loaded: string[]; errors: string[] };
        expect(result.errors).toEqual([]);
        expect(result.loaded).toEqual(expect.arrayContaining(["index.ts", "pack.ts", "rules/shm-within-memory-limit.ts", "targets/kubernetes.ts"]));
        expect(result.typeChecked).toEqual([]);
    });
});
