/**
 * `npm run plan`: the contract users and CI rely on (arguments, one JSON
 * document, secrets redacted, exit codes).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { main } from "../tools/plan";
import { SECRET_DATA_PLACEHOLDER } from "../targets/kubernetes/manifests";
import { inProcess, TS_NODE } from "./cli";
import { runStack } from "./helpers";
import { validateObject } from "./k8s-schema";
import { tempFolders } from "./temp";

/** Every temporary folder of this file's tests, removed after them. */
const tmp = tempFolders();

const ROOT = path.resolve(__dirname, "..");

/** As `npm run plan -- ...` runs it: a new process through ts-node. */
function spawnPlan(...args: string[]) {
    const r = spawnSync(process.execPath, [...TS_NODE, path.join(ROOT, "tools", "plan.ts"), ...args], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same main(), in this process (the process start is covered once above). */
const plan = (...args: string[]) => inProcess(main, args);

describe("npm run plan", () => {
    it("prints one JSON document for dev with the six components, Docker children, limits and healthchecks", async () => {
        const { status, stdout } = spawnPlan("--stack", "dev", "--json");
        expect(status).toBe(0);
        const doc = JSON.parse(stdout);
        expect(Object.keys(doc)).toEqual(["stack", "target", "mode", "resources", "outputs", "capacity", "policy", "warnings"]);
        expect(doc).toMatchObject({ stack: "dev", target: "docker", mode: "standard", policy: { violations: [] } });
        const types = doc.resources.map((r: { type: string }) => r.type);
        for (const c of ["Backend", "BrowserWorkerPool", "Postgres", "Redis", "MinIO", "Ingress"]) expect(types).toContain(`quorvex:platform:${c}`);
        for (const r of doc.resources) expect(Object.keys(r)).toEqual(["type", "name", "parent", "inputs", "options"]);
        const containers = doc.resources.filter((r: { type: string }) => r.type === "docker:index/container:Container");
        for (const c of containers) {
            expect(c.inputs.memory).toBeGreaterThan(0);
            if (!c.inputs.attach) expect(c.inputs.healthcheck.tests.length).toBeGreaterThan(1);
        }
        expect(containers.find((c: { name: string }) => c.name === "backend").inputs.shmSize).toBe(2048);
        expect(containers.find((c: { name: string }) => c.name === "backend").parent).toBe("quorvex:platform:Backend::backend");

        // Secrets: "[secret]" in outputs and inputs; no generated value anywhere in the text.
        expect(doc.outputs.postgresPassword).toBe("[secret]");
        expect(doc.outputs.databaseUrl).toBe("[secret]");
        const run = await runStack({ stack: "dev", config: { target: "docker", mode: "standard", protection: { protect: false, retainOnDelete: false } } });
        expect(run.generatedSecrets.length).toBeGreaterThanOrEqual(5);
        for (const secret of run.generatedSecrets) expect(stdout.includes(secret.trim())).toBe(false);
    });

    it("applies --set like `pulumi config set --path`: four workers of 2048 MB with shm 1024 MB", async () => {
        const { status, stdout } = await plan("--stack", "dev", "--set", "mode=workers", "--set", "workers.replicas=4", "--json");
        expect(status).toBe(0);
        const doc = JSON.parse(stdout);
        const workers = doc.resources.filter(
            (r: { type: string; parent: string }) =>
                r.type === "docker:index/container:Container" && r.parent === "quorvex:platform:BrowserWorkerPool::workers",
        );
        expect(workers).toHaveLength(4);
        for (const w of workers) expect(w.inputs).toMatchObject({ memory: 2048, shmSize: 1024 });
        expect(doc.capacity.rows.find((r: { service: string }) => r.service === "workers").replicas).toEqual({ min: 4, max: 4 });
    });

    it("exits 2 and names the key on bad config", async () => {
        const { status, stdout, stderr } = await plan("--stack", "dev", "--set", "archive.totalDays=10");
        expect(status).toBe(2);
        expect(stdout).toBe("");
        expect(stderr).toMatch(/quorvex:archive.totalDays = 10: must be greater than archive.hotDays/);
    });

    it("exits 2 on usage errors: unknown stack, missing --stack, unknown flag, bad --set", async () => {
        expect((await plan("--stack", "staging")).stderr).toMatch(/no stack file Pulumi.staging.yaml \(stacks: dev, prod\)/);
        expect((await plan("--stack", "staging")).status).toBe(2);
        expect((await plan()).status).toBe(2);
        expect((await plan("--stack", "dev", "--frobnicate")).status).toBe(2);
        expect((await plan("--stack", "dev", "--set", "workers.replicas")).status).toBe(2);
    });

    it("exits 1 on a mandatory policy violation, and prints the verdict", async () => {
        const dir = tmp("quorvex-plan-");
        const cfg = path.join(dir, "policy.json");
        fs.writeFileSync(cfg, JSON.stringify({ "docker-host-memory-budget": { enforcementLevel: "mandatory", hostMemoryMiB: 16384 } }));
        const { status, stdout } = await plan("--stack", "dev", "--policy-config", cfg);
        expect(status).toBe(1);
        expect(stdout).toMatch(/MANDATORY docker-host-memory-budget/);
        expect(stdout).toMatch(/add up to 31.25Gi, above the 16Gi the host offers/);
    });

    it("--out writes resources.json (the plan's resources) and, for Kubernetes, one manifest per object", async () => {
        const dir = tmp("quorvex-plan-");
        const { status, stdout } = await plan("--stack", "prod", "--json", "--out", dir);
        expect(status).toBe(0);
        const doc = JSON.parse(stdout);
        expect(JSON.parse(fs.readFileSync(path.join(dir, "resources.json"), "utf8"))).toEqual(doc.resources);
        const files = fs.readdirSync(path.join(dir, "manifests"));
        const k8sObjects = doc.resources.filter((r: { type: string }) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:"));
        expect(files.length).toBe(k8sObjects.length);
        expect(files.some((f) => /^\d{3}-namespace-playwright-agent\.yaml$/.test(f))).toBe(true);
        expect(fs.readFileSync(path.join(dir, "manifests.yaml"), "utf8").split("\n---\n").length).toBe(files.length);
        for (const f of files) expect(() => validateObject(parse(fs.readFileSync(path.join(dir, "manifests", f), "utf8"))), f).not.toThrow();
        // Secrets stay secret in manifests too, as `data` the way the Kubernetes provider sends them.
        const secret = parse(fs.readFileSync(path.join(dir, "manifests", files.find((f) => f.includes("secret-postgres-credentials"))!), "utf8"));
        expect(secret.data).toEqual({ POSTGRES_PASSWORD: SECRET_DATA_PLACEHOLDER });
        expect(secret.stringData).toBeUndefined();
    });

    it("--compare refuses a change that would replace the Postgres PVC, and lets a routine one through", async () => {
        const dir = tmp("quorvex-compare-");
        expect((await plan("--stack", "prod", "--out", dir)).status).toBe(0);
        const before = path.join(dir, "resources.json");
        const risky = await plan("--stack", "prod", "--compare", before, "--set", "postgres.storageClass=other");
        expect(risky.status).toBe(1);
        expect(risky.stderr).toContain("kubernetes:core/v1:PersistentVolumeClaim::postgres-data: replaces the PVC (spec.storageClassName");
        expect(risky.stdout).toContain("DATA LOSS RISK");
        expect((await plan("--stack", "prod", "--compare", before, "--set", "postgres.storageClass=other", "--allow-data-loss")).status).toBe(0);
        const routine = await plan("--stack", "prod", "--compare", before, "--set", "workers.replicas=7", "--json");
        expect(routine.status).toBe(0);
        expect(JSON.parse(routine.stdout).compare.dataLoss).toEqual([]);
        expect((await plan("--stack", "prod", "--allow-data-loss")).status).toBe(2);
    });
});
