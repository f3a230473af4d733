/**
 * The benchmark's engine cases (`pulumi preview` of prod and of trivial
 * programs, a second `up` of prod and of as many trivial resources, through the
 * CLI on PATH; a fresh `up` of dev on the harness's Docker engine where the
 * Docker rung can run) run: they crashed before their first run once (a
 * node_modules link made twice), and nothing noticed.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { cliMissing, ROOT } from "./harness";
import { TS_NODE } from "../cli";
import { dockerRungMissing } from "./docker-rung";

const missing = cliMissing();
if (missing) console.log(`the bench's engine cases skipped: ${missing}`);

describe.skipIf(missing !== null)("npm run bench, its engine cases", () => {
    it("run once each through the real CLI (--dry --engine-only)", () => {
        const r = spawnSync(process.execPath, [...TS_NODE, path.join(ROOT, "bench", "run.ts"), "--dry", "--engine-only"], {
            cwd: ROOT,
            encoding: "utf8",
        });
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toContain("ok engine floor: pulumi preview, 1 resource (");
        expect(r.stdout).toContain("ok engine: pulumi preview prod (rendered to YAML) (");
        expect(r.stdout).toContain("ok engine: pulumi preview prod, with the policy pack (");
        expect(r.stdout).toMatch(/ok engine reference: pulumi preview, \d+ trivial resources \(as many as prod\)/);
        expect(r.stdout).toMatch(/ok engine reference: second pulumi up, \d+ trivial resources, nothing to do/);
        expect(r.stdout).toContain("ok engine: second pulumi up of prod (rendered to YAML), nothing to do (");
        const docker = dockerRungMissing();
        if (docker) expect(r.stdout).toContain(`skipped dev up from empty on a Docker engine (stand-in images): ${docker}`);
        else expect(r.stdout).toMatch(/^ok dev up from empty on a Docker engine \(stand-in images\) \(\d+\.\d s, health waits \d+\.\d s\)$/m);
    }, 900_000); // a machine that has not built the stand-in images yet builds them here
});
