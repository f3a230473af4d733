/**
 * The benchmark's cases stay runnable: each runs once here (`--dry`), so a
 * broken case fails the tests instead of waiting for someone to benchmark.
 * (The engine cases run in the engine tier, where a CLI is on PATH.)
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { TS_NODE } from "./cli";

const ROOT = path.resolve(__dirname, "..");

describe("npm run bench", () => {
    it("runs every case of its quick list once in --dry mode", () => {
        const r = spawnSync(process.execPath, [...TS_NODE, path.join(ROOT, "bench", "run.ts"), "--quick", "--dry"], {
            cwd: ROOT,
            encoding: "utf8",
            env: {
                ...process.env,
                PATH: (process.env.PATH ?? "")
                    .split(path.delimiter)
                    .filter((d) => !d.includes("quorvex-toolchain"))
                    .join(path.delimiter),
            },
        });
        expect(r.status, r.stderr).toBe(0);
        const ran = r.stdout.split("\n").filter((l) => l.startsWith("ok "));
        expect(ran.length).toBeGreaterThanOrEqual(14);
        for (const name of ["floor (bare Pulumi program, 1 resource)", "plan prod", "plan workers x500"]) expect(r.stdout).toContain(`ok ${name} (`);
    }, 120_000);
});
