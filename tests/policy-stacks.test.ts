/**
 * The pack on our real stacks (all pass), on a stack built wrong (fails,
 * naming resource and field), and through `npm run policy` on files.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { evaluate } from "../policies/evaluate";
import { planStack } from "../tools/planner";
import { main } from "../tools/policy";
import { inProcess, TS_NODE } from "./cli";
import { tempFolders } from "./temp";

/** Every temporary folder of this file's tests, removed after them. */
const tmp = tempFolders();

const ROOT = path.resolve(__dirname, "..");

const VARIANTS: [string, string, string[]][] = [
    ["dev (standard)", "dev", []],
    ["dev, Docker workers mode", "dev", ["mode=workers", "workers.replicas=4"]],
    ["prod (HPA)", "prod", []],
    ["prod with KEDA", "prod", ["workers.autoscaler=keda"]],
];

describe("our stacks pass the pack", () => {
    for (const [title, stack, sets] of VARIANTS) {
        it(`${title}: no violation at all`, async () => {
            const { document } = await planStack({ stack, sets });
            expect(document.policy.violations).toEqual([]);
        });
    }

    it("prod passes with the strict sample policy config (requireProtection)", async () => {
        const config = JSON.parse(fs.readFileSync(path.join(ROOT, "policies", "policy-config.json"), "utf8"));
        const { document } = await planStack({ stack: "prod", policyConfig: config });
        expect(document.policy.violations).toEqual([]);
    });
});

describe("a stack built wrong fails", () => {
    it("flags prod when its data is not protected under the prod policy config", async () => {
        const { document } = await planStack({
            stack: "prod",
            sets: ["protection.protect=false", "protection.retainOnDelete=false"],
            policyConfig: { "stateful-data-protected": { requireProtection: true } },
        });
        const names = document.policy.violations.filter((v) => v.policy === "stateful-data-protected").map((v) => v.resource);
        expect(names).toEqual(
            expect.arrayContaining([
                "kubernetes:core/v1:PersistentVolumeClaim::postgres-data",
                "kubernetes:apps/v1:StatefulSet::postgres",
                "kubernetes:core/v1:PersistentVolumeClaim::minio-data",
            ]),
        );
    });

    it("flags a plan whose worker was edited to lose its shm, naming the field", async () => {
        const { document } = await planStack({ stack: "prod" });
        const resources = document.resources.map((r) => JSON.parse(JSON.stringify(r)));
        const workers = resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "workers");
        workers.inputs.spec.template.spec.volumes.find((v: { name: string }) => v.name === "dshm").emptyDir.sizeLimit = "256Mi";
        const violations = await evaluate(resources);
        expect(violations).toContainEqual({
            policy: "browser-workers-have-shm",
            level: "mandatory",
            resource: "kubernetes:apps/v1:Deployment::workers",
            message: "container `workers` of Deployment `workers`: /dev/shm is 256Mi (`spec.template.spec.volumes[0].emptyDir.sizeLimit`); need at least 1Gi",
        });
    });
});

/** As `npm run policy -- ...` runs it: a new process through ts-node. */
function spawnPolicy(...args: string[]) {
    const r = spawnSync(process.execPath, [...TS_NODE, path.join(ROOT, "tools", "policy.ts"), ...args], {
        cwd: ROOT,
        encoding: "utf8",
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same main(), in this process. */
const policyCli = (...args: string[]) => inProcess(main, args);

describe("npm run policy -- --resources FILE", async () => {
    const { document } = await planStack({ stack: "dev", sets: ["mode=workers", "workers.replicas=2"] });
    const dir = tmp("quorvex-policy-");
    const write = (name: string, edit: (worker: { inputs: Record<string, unknown> }) => void) => {
        const resources = JSON.parse(JSON.stringify(document.resources));
        edit(resources.find((r: { name: string }) => r.name === "workers-1"));
        const file = path.join(dir, `${name}.json`);
        fs.writeFileSync(file, JSON.stringify(resources));
        return file;
    };

    it("exits 0 on the plan's own resources", () => {
        const file = write("ok", () => undefined);
        expect(spawnPolicy("--resources", file)).toMatchObject({ status: 0, stdout: "no policy violations\n" });
    });

    it.each([
        ["no memory limit", (w: { inputs: Record<string, unknown> }) => delete w.inputs.memory, "containers-have-memory-limits", /no memory limit/],
        ["shm below 1Gi", (w: { inputs: Record<string, unknown> }) => (w.inputs.shmSize = 512), "browser-workers-have-shm", /\/dev\/shm is 512Mi/],
        [
            "shm within 1Gi of the limit",
            (w: { inputs: Record<string, unknown> }) => (w.inputs.shmSize = 1536),
            "shm-within-memory-limit",
            /leaves 512Mi above a 1.5Gi/,
        ],
    ])("exits 1 on a worker with %s, naming the policy and the resource", async (name, edit, policy, message) => {
        const { status, stdout } = await policyCli("--resources", write(name.replace(/\W+/g, "-"), edit));
        expect(status).toBe(1);
        expect(stdout).toContain(`MANDATORY ${policy}  docker:index/container:Container::workers-1`);
        expect(stdout).toMatch(message);
    });

    it("prints JSON with --json and honours --config", async () => {
        const file = write("json", (w) => (w.inputs.shmSize = 512));
        const cfg = path.join(dir, "cfg.json");
        fs.writeFileSync(cfg, JSON.stringify({ "browser-workers-have-shm": { minShmMiB: 256 } }));
        const { status, stdout } = await policyCli("--resources", file, "--config", cfg, "--json");
        expect(status).toBe(0);
        expect(JSON.parse(stdout)).toEqual({ violations: [] });
    });

    it("exits 2 on a missing file or a malformed one", async () => {
        expect((await policyCli("--resources", path.join(dir, "nope.json"))).status).toBe(2);
        const bad = path.join(dir, "bad.json");
        fs.writeFileSync(bad, JSON.stringify([{ type: "x" }]));
        expect(await policyCli("--resources", bad)).toMatchObject({ status: 2 });
        expect((await policyCli()).status).toBe(2);
    });
});
