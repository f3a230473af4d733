/** The GitHub workflows validate offline (@action-validator/cli) and do what the README promises. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { tempFolders } from "./temp";

/** Every temporary folder of this file's tests, removed after them. */
const tmp = tempFolders();

const DIR = path.join(__dirname, "..", ".github", "workflows");
const VALIDATOR = path.join(__dirname, "..", "node_modules", ".bin", "action-validator");
const files = fs.readdirSync(DIR).filter((f) => f.endsWith(".yml"));

function validate(file: string) {
    const r = spawnSync(VALIDATOR, [file], { encoding: "utf8" });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
const load = (f: string) => parse(fs.readFileSync(path.join(DIR, f), "utf8"));
const steps = (wf: ReturnType<typeof load>, job: string): Step[] => wf.jobs[job].steps;

describe("GitHub workflows", () => {
    it.each(files)("%s passes action-validator", (f) => {
        expect(validate(path.join(DIR, f))).toMatchObject({ status: 0 });
    });

    it("action-validator rejects a broken workflow, so the check is real", () => {
        const broken = path.join(tmp("wf-"), "broken.yml");
        fs.writeFileSync(broken, fs.readFileSync(path.join(DIR, "pull-request.yml"), "utf8").replace("runs-on: ubuntu-latest", "run-on: ubuntu-latest"));
        expect(validate(broken).status).not.toBe(0);
    });

    it("previews every affected stack with the policy pack and comments on the pull request", () => {
        const wf = load("pull-request.yml");
        expect(Object.keys(wf.on)).toEqual(["pull_request"]);
        const preview = steps(wf, "preview").find((s) => s.uses?.startsWith("pulumi/actions@"))!;
        expect(preview.with).toMatchObject({
            command: "preview",
            "comment-on-pr": true,
            policyPacks: "policies",
            policyPackConfigs: "policies/policy-config.json",
        });
        expect(wf.jobs.preview.strategy.matrix.stack).toContain("fromJSON(needs.affected.outputs.stacks)");
        expect(steps(wf, "checks").map((s) => s.run)).toContain("bash .ci/run");
        const plan = steps(wf, "offline-plan");
        expect(plan.some((s) => s.run?.includes("npm run -s plan --"))).toBe(true);
        expect(plan.some((s) => s.run?.includes("GITHUB_STEP_SUMMARY"))).toBe(true);
    });

    it("runs a pull request's code with cluster credentials only behind an approved environment, and never for a fork", () => {
        const job = load("pull-request.yml").jobs.preview;
        expect(job.environment.name).toBe("pr-preview");
        expect(job.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
        const text = fs.readFileSync(path.join(DIR, "pull-request.yml"), "utf8");
        expect(text).toContain("cluster-setup/preview-identity.yaml");
        expect(fs.existsSync(path.join(__dirname, "..", "cluster-setup", "preview-identity.yaml"))).toBe(true);
    });

    it("runs `pulumi up -s prod` on main, behind the production environment, with the policy pack", () => {
        const wf = load("release.yml");
        expect(wf.on.push.branches).toEqual(["main"]);
        expect(wf.jobs["up-prod"].environment.name).toBe("production");
        expect(wf.jobs["up-prod"].needs).toBe("checks");
        const up = steps(wf, "up-prod").find((s) => s.uses?.startsWith("pulumi/actions@"))!;
        expect(up.with).toMatchObject({ command: "up", "stack-name": "prod", policyPacks: "policies" });
    });
});
