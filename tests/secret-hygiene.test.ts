/**
 * Secrets stay secret: no generated value appears in the plan, the
 * manifests, plain outputs, any input not marked secret (env vars, command
 * lines) or any log line; rotation regenerates one credential and rolls
 * exactly its users; stateful resources carry the protection their stack asks for.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { UPLOAD_SCRIPT } from "../components/backup";
import { mcHost, setupScript } from "../components/minio";
import { reveal, type StackRun } from "../tools/harness";
import { manifestsOf } from "../targets/kubernetes/manifests";
import { toYaml } from "../tools/yaml";
import { documentOf } from "../tools/planner";
import { renderPlan } from "../tools/render";
import { all, DEV, DEV_WORKERS, inputs, leaks, merge, plainStrings, PROD, PROD_KEDA, stack, T } from "./helpers";

const VARIANTS = { dev: ["dev", DEV], "dev workers": ["dev", DEV_WORKERS], prod: ["prod", PROD], "prod keda": ["prod", PROD_KEDA] } as const;

describe.each(Object.entries(VARIANTS))("secret hygiene of %s", (_t, [name, config]) => {
    const load = async () => {
        const run = await stack(name, config);
        const doc = await documentOf(name, String(config.target ?? "docker"), "", run, []);
        return { run, doc };
    };

    it("generates the credentials it should (so the checks below check something)", async () => {
        const { run } = await load();
        expect(run.generatedSecrets.length).toBeGreaterThanOrEqual(4); // four passwords, plus the TLS key where self-signed
    });

    it("shows no secret in the plan document, its human rendering or the manifests", async () => {
        const { run, doc } = await load();
        expect(leaks(JSON.stringify(doc), run.generatedSecrets)).toEqual([]);
        expect(leaks(renderPlan(doc), run.generatedSecrets)).toEqual([]);
        expect(
            leaks(
                manifestsOf(doc.resources)
                    .map((m) => toYaml(m.object))
                    .join("\n"),
                run.generatedSecrets,
            ),
        ).toEqual([]);
    });

    it("puts no secret in any input that is not marked secret: env vars, command lines, labels, files", async () => {
        const { run } = await load();
        for (const r of run.resources) {
            for (const [path, text] of plainStrings(r.inputs)) {
                expect(leaks(text, run.generatedSecrets), `${r.type} ${r.name} ${path}`).toEqual([]);
            }
        }
    });

    it("keeps secrets out of plain outputs and log lines", async () => {
        const { run } = await load();
        for (const [output, { value, secret }] of Object.entries(run.outputs)) {
            if (!secret) expect(leaks(JSON.stringify(value) ?? "", run.generatedSecrets), output).toEqual([]);
        }
        expect(leaks(run.logs.join("\n"), run.generatedSecrets)).toEqual([]);
    });
});

/** Workload identity -> its revealed inputs, for what "rolls" on each target. */
function workloads(run: StackRun): Record<string, string> {
    const kinds: string[] = [T.container, T.deployment, T.statefulSet, T.job, "kubernetes:batch/v1:CronJob"];
    return Object.fromEntries(
        run.resources.filter((r) => kinds.includes(r.type)).map((r) => [`${r.type.split(":").pop()}/${r.name}`, JSON.stringify(reveal(r.inputs))]),
    );
}

function changedBetween(a: StackRun, b: StackRun): string[] {
    const [x, y] = [workloads(a), workloads(b)];
    return Object.keys(x)
        .filter((k) => x[k] !== y[k])
        .sort();
}

const passwords = (run: StackRun) =>
    Object.fromEntries(all(run, "random:index/randomPassword:RandomPassword").map((r) => [r.name, JSON.stringify(inputs(r).keepers)]));

describe("rotating one credential", () => {
    it.each([
        ["postgres", ["CronJob/postgres-backup", "Deployment/backend", "Job/backend-migrate", "Job/postgres-roles", "StatefulSet/postgres"]],
        ["redis", ["Deployment/backend", "Deployment/workers", "StatefulSet/redis"]],
        ["minio", ["CronJob/postgres-backup", "Deployment/backend", "Deployment/workers", "Job/minio-buckets", "StatefulSet/minio"]],
        ["backend", ["Deployment/backend"]],
    ])("on Kubernetes, %s regenerates its credentials (its root and every consumer's) and rolls exactly %j", async (credential, rolled) => {
        const base = await stack("prod", PROD);
        const rotated = await stack("prod", merge(PROD, { secrets: { rotation: { [credential]: "2026-11-22" } } }));
        const [before, after] = [passwords(base), passwords(rotated)];
        const regenerated = Object.keys(before).filter((k) => before[k] !== after[k]);
        const own = Object.keys(before).filter((k) => k.startsWith(`${credential}-`));
        expect(own.length).toBeGreaterThan(0);
        expect(regenerated).toEqual(own);
        expect(changedBetween(base, rotated)).toEqual(rolled);
    });

    it("on Docker, replaces exactly the containers that read the Redis password", async () => {
        const base = await stack("dev", DEV_WORKERS);
        const rotated = await stack("dev", merge(DEV_WORKERS, { secrets: { rotation: { redis: "2" } } }));
        expect(changedBetween(base, rotated)).toEqual([
            "Container/backend",
            "Container/redis",
            "Container/workers-1",
            "Container/workers-2",
            "Container/workers-3",
            "Container/workers-4",
        ]);
    });

    it("applies a rotated Postgres password to the existing database at start, from the environment", async () => {
        const run = await stack("prod", PROD);
        const sts = all(run, T.statefulSet).find((r) => r.name === "postgres")!;
        const script = inputs(sts).spec.template.spec.containers[0].command[2] as string;
        expect(script).toContain("ALTER ROLE CURRENT_USER PASSWORD :'pw';");
        expect(script).toContain("printenv POSTGRES_PASSWORD");
        expect(script).not.toMatch(/PASSWORD '[^:]/);
    });
});

describe("protection of stateful resources", () => {
    const STATEFUL = [T.volume, T.pvc, T.statefulSet, T.namespace] as string[];

    it.each([
        ["prod", PROD, true],
        ["dev", DEV, false],
        ["dev with protection on", merge(DEV, { protection: { protect: true, retainOnDelete: true } }), true],
    ] as const)("%s: every stateful resource is protect=%s and its data retainOnDelete=%s, and its markers say so", async (_t, config, keep) => {
        const run = await stack(_t.startsWith("prod") ? "prod" : "dev", config);
        const stateful = run.resources.filter((r) => STATEFUL.includes(r.type));
        expect(stateful.length).toBeGreaterThanOrEqual(3);
        for (const r of stateful) {
            // A StatefulSet holds no data: it is protected, never retained (its pod would outlive the stack).
            const retained = keep && r.type !== T.statefulSet;
            expect(r.options, `${r.type} ${r.name}`).toMatchObject({ protect: keep, retainOnDelete: retained });
            if (r.type === T.namespace) continue;
            const i = inputs(r);
            const labels: Record<string, string> = Array.isArray(i.labels)
                ? Object.fromEntries(i.labels.map((l: { label: string; value: string }) => [l.label, l.value]))
                : i.metadata.labels;
            expect(labels["quorvex.io/protect"], `${r.type} ${r.name}`).toBe(String(keep));
            expect(labels["quorvex.io/retain-on-delete"], `${r.type} ${r.name}`).toBe(String(retained));
        }
    });

    it("never lets a change of the program's replace (that is, empty) a Docker volume: a label edit, a rename, a driver", async () => {
        for (const v of all(await stack("dev", DEV), T.volume)) expect(v.options.ignoreChanges).toEqual(["name", "driver", "driverOpts", "labels"]);
    });
});

describe("MinIO credentials on the way to `mc`", () => {
    it("reach mc through MC_HOST_<alias>, set by the shell itself: no process is started with them", () => {
        const line = mcHost("q");
        const r = spawnSync("sh", ["-c", `${line}; printf '%s' "$MC_HOST_q"`], {
            env: { PATH: process.env.PATH, MINIO_ENDPOINT: "http://minio.ns.svc:9000", MINIO_ACCESS_KEY: "abc123", MINIO_SECRET_KEY: "s3cr3t" },
            encoding: "utf8",
        });
        expect(r.stdout).toBe("http://abc123:s3cr3t@minio.ns.svc:9000");
        expect(line).not.toMatch(/mc alias|s3cr3t/);
    });

    it("are never given to `mc alias set`, in the program's scripts, the operator scripts or the docs", () => {
        const root = path.resolve(__dirname, "..");
        const docs = fs.readdirSync(path.join(root, "docs")).map((f) => `docs/${f}`);
        const texts = [
            setupScript("q", [], []),
            UPLOAD_SCRIPT,
            ...["scripts/backup-docker.sh", "scripts/restore-docker.sh", "README.md", ...docs].map((f) => fs.readFileSync(path.join(root, f), "utf8")),
        ];
        expect(docs).toContain("docs/operations.md");
        for (const t of texts) expect(t).not.toMatch(/mc alias set/);
    });
});
