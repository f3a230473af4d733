/**
 * Engine tier, rung 1: the prod stack (HPA and KEDA variants) through the real
 * Pulumi CLI, the real policy pack and the real Kubernetes provider, which
 * writes manifests to a folder instead of a cluster (renderYamlToDirectory).
 */
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECRET_OUTPUTS } from "../../contract/outputs";
import { compare } from "../../tools/compare";
import { manifestsOf, SECRET_DATA_PLACEHOLDER } from "../../targets/kubernetes/manifests";
import { planStack } from "../../tools/planner";
import { SECRET_PLACEHOLDER } from "../../tools/harness";
import { validateObject } from "../k8s-schema";
import { cliMissing, EngineProject, NO_ENTRY_CHECK, POLICY_PACK, previewSteps, urnId } from "./harness";

type Obj = Record<string, unknown>;

/** Every object the provider wrote, by `Kind namespace/name`. */
function rendered(dir: string): Map<string, Obj> {
    const out = new Map<string, Obj>();
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (/\.ya?ml$/.test(e.name))
                for (const doc of parseAllDocuments(fs.readFileSync(p, "utf8"))) out.set(objectKey(doc.toJS() as Obj), doc.toJS() as Obj);
        }
    };
    walk(dir);
    return out;
}

function objectKey(o: Obj): string {
    const m = (o.metadata ?? {}) as { name?: string; namespace?: string };
    return `${String(o.kind)} ${m.namespace ?? ""}/${m.name ?? ""}`;
}

/**
 * Where the real object differs from the plan's: the plan's `[secret]`
 * placeholders match any value (and a Secret's data is secret as a whole).
 */
function differences(planned: unknown, real: unknown, at = ""): string[] {
    if (planned === SECRET_PLACEHOLDER || planned === SECRET_DATA_PLACEHOLDER) return [];
    if (Array.isArray(planned) && Array.isArray(real)) {
        if (planned.length !== real.length) return [`${at}: ${planned.length} items planned, ${real.length} rendered`];
        return planned.flatMap((p, i) => differences(p, real[i], `${at}[${i}]`));
    }
    if (planned && real && typeof planned === "object" && typeof real === "object") {
        const keys = new Set([...Object.keys(planned), ...Object.keys(real)]);
        return [...keys].flatMap((k) => differences((planned as Obj)[k], (real as Obj)[k], at ? `${at}.${k}` : k));
    }
    return JSON.stringify(planned) === JSON.stringify(real) ? [] : [`${at}: planned ${JSON.stringify(planned)}, rendered ${JSON.stringify(real)}`];
}

const missing = cliMissing();
if (missing) console.log(`rung 1 skipped: ${missing}`);

const VARIANTS = [
    { name: "prod (HPA)", sets: [] as string[] },
    { name: "prod with KEDA", sets: ["workers.autoscaler=keda"] },
];

describe.skipIf(missing !== null).each(VARIANTS)("$name through the real engine, rendered to YAML", ({ sets }) => {
    let project: EngineProject;
    let renderDir: string;
    let allSets: string[];

    beforeAll(async () => {
        project = await EngineProject.create({ stack: "prod", sets: [] });
        renderDir = path.join(project.tmp, "rendered");
        allSets = [NO_ENTRY_CHECK, ...sets, `kubernetes.renderYamlToDirectory=${renderDir}`];
        project.writeConfig(allSets);
    });
    afterAll(() => project?.dispose());

    it("passes the real policy pack in `pulumi preview` with no mandatory violation", async () => {
        const r = await project.preview(["--policy-pack", POLICY_PACK]);
        expect(r.stderr + r.stdout).not.toMatch(/mandatory/i);
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/Policies:|quorvex-memory-guards/);
    });

    it("`pulumi up` writes manifests that validate against the Kubernetes schemas and equal the offline plan's", async () => {
        await project.up(["--policy-pack", POLICY_PACK]);
        const real = rendered(renderDir);
        const { document } = await planStack({ stack: "prod", sets: allSets });
        const planned = manifestsOf(document.resources).map((m) => m.object);
        expect(planned.length).toBeGreaterThan(20);
        expect([...real.keys()].sort()).toEqual(planned.map(objectKey).sort());
        const problems: string[] = [];
        for (const p of planned) {
            const r = real.get(objectKey(p))!;
            try {
                validateObject(r);
            } catch (err) {
                problems.push(`${objectKey(p)} is invalid: ${(err as Error).message}`);
            }
            problems.push(...differences(p, r).map((d) => `${objectKey(p)}: ${d}`));
        }
        expect(problems).toEqual([]);
    });

    it("changes nothing afterwards: `pulumi preview --expect-no-changes` passes and a second up is a no-op", async () => {
        const preview = await project.preview(["--expect-no-changes", "--diff"]);
        expect(preview.code, preview.stdout + preview.stderr).toBe(0);
        const second = await project.up(["--expect-no-changes"]);
        expect(second.stdout).not.toMatch(/[~+-]\s+\d+ (updated|created|deleted|replaced)/);
    });

    it("keeps every generated credential out of the state in plain text", async () => {
        const outputs = await project.outputs(true);
        const state = project.stateText();
        const generated = [outputs.postgresPassword, outputs.minioSecretKey].filter((v): v is string => typeof v === "string");
        expect(generated.length).toBe(2);
        for (const secret of generated) {
            expect(secret.length).toBeGreaterThanOrEqual(16);
            expect(state).not.toContain(secret);
            expect(state).not.toContain(Buffer.from(secret).toString("base64"));
        }
    });

    it("serves its outputs to examples/consumer through a real StackReference from a second stack", async () => {
        const dir = project.consumerProject();
        await project.ok(["stack", "init", "consumer", "--secrets-provider", "passphrase"], { cwd: dir });
        await project.ok(["config", "set", "platformStack", `organization/quorvex/${project.stack}`, "--stack", "consumer"], { cwd: dir });
        await project.ok(["up", "--yes", "--skip-preview", "--stack", "consumer"], { cwd: dir });
        const consumer = JSON.parse((await project.ok(["stack", "output", "--json", "--show-secrets", "--stack", "consumer"], { cwd: dir })).stdout);
        const platform = await project.outputs(true);
        expect(consumer.apiUrl).toBe(platform.backendUrl);
        expect(consumer.platformContractVersion).toBe(platform.contractVersion);
        expect(consumer.reportingDatabaseUrl).toBe(platform.databaseUrl);
        const shown = JSON.parse((await project.ok(["stack", "output", "--json", "--stack", "consumer"], { cwd: dir })).stdout);
        expect(shown.reportingDatabaseUrl).toBe("[secret]");
    });

    it("hides exactly the outputs the contract marks secret in `pulumi stack output --json`", async () => {
        const shown = await project.outputs(false);
        const hidden = Object.entries(shown)
            .filter(([, v]) => v === "[secret]")
            .map(([k]) => k)
            .sort();
        expect(hidden).toEqual([...SECRET_OUTPUTS].sort());
    });
});

describe.skipIf(missing !== null)("a config that breaks a mandatory policy, through the real CLI", () => {
    let project: EngineProject;
    const sets = [NO_ENTRY_CHECK, "protection.protect=false", "protection.retainOnDelete=false"];
    const policyConfig = path.join(POLICY_PACK, "policy-config.json");

    beforeAll(async () => {
        project = await EngineProject.create({ stack: "prod", sets });
        project.writeConfig([...sets, `kubernetes.renderYamlToDirectory=${path.join(project.tmp, "rendered")}`]);
    });
    afterAll(() => project?.dispose());

    it("is refused by `pulumi preview`, naming the same policy and resources as the offline plan", async () => {
        const { document } = await planStack({
            stack: "prod",
            sets,
            policyConfig: JSON.parse(fs.readFileSync(policyConfig, "utf8")) as never,
        });
        const offline = document.policy.violations.filter((v) => v.level === "mandatory");
        expect(offline.length).toBeGreaterThan(0);
        const r = await project.preview(["--policy-pack", POLICY_PACK, "--policy-pack-config", policyConfig]);
        expect(r.code).not.toBe(0);
        const text = r.stdout + r.stderr;
        for (const v of offline) {
            expect(text).toContain(v.policy);
            expect(text).toContain(v.message);
        }
    });
});

describe.skipIf(missing !== null)("change review: the real `pulumi preview` and `npm run plan -- --compare` agree", () => {
    let project: EngineProject;
    let renderSet: string;

    beforeAll(async () => {
        project = await EngineProject.create({ stack: "prod", sets: [] });
        renderSet = `kubernetes.renderYamlToDirectory=${path.join(project.tmp, "rendered")}`;
        project.writeConfig([NO_ENTRY_CHECK, renderSet]);
        await project.up();
    });
    afterAll(() => project?.dispose());

    const CASES = [
        { change: "a bigger Postgres volume", sets: ["postgres.storageSize=80Gi"] },
        { change: "a smaller Postgres volume", sets: ["postgres.storageSize=10Gi"] },
        { change: "another storage class for Postgres", sets: ["postgres.storageClass=fast-ssd"] },
        { change: "another namespace", sets: ["kubernetes.namespace=quorvex"] },
        { change: "a backend image bump", sets: ["images.backend=ghcr.io/quorvex/backend:9.9.9"] },
        { change: "a wider autoscaler", sets: ["workers.max=30"] },
        { change: "the HPA swapped for KEDA", sets: ["workers.autoscaler=keda"] },
        {
            change: "the way in moved to an Ingress, TLS from an existing secret",
            sets: ["ingress.kind=ingress", "ingress.tls.mode=secret", "ingress.tls.secretName=wildcard-tls"],
        },
        {
            change: "a Gateway of the stack's own",
            sets: [
                "ingress.gateway.className=eg",
                "ingress.gateway.namespace=null",
                "ingress.gateway.sectionName=null",
                "ingress.gateway.dataPlaneNamespace=envoy-gateway-system",
                "ingress.tls.mode=secret",
                "ingress.tls.secretName=wildcard-tls",
            ],
        },
    ];

    it.each(CASES)("on $change", async ({ sets }) => {
        const before = (await planStack({ stack: "prod", sets: [NO_ENTRY_CHECK, renderSet] })).document.resources;
        const after = (await planStack({ stack: "prod", sets: [NO_ENTRY_CHECK, renderSet, ...sets] })).document.resources;
        const review = compare(before, after);
        project.writeConfig([NO_ENTRY_CHECK, renderSet, ...sets]);
        try {
            const r = await project.preview(["--json", "--diff"]);
            if (r.code !== 0) {
                // The engine refuses to replace or delete a protected resource: prod protects its data.
                expect(review.dataLoss.length, r.stdout + r.stderr).toBeGreaterThan(0);
                for (const d of review.dataLoss) expect(r.stdout + r.stderr).toContain(d.resource.split("::")[1]);
                expect(r.stdout + r.stderr).toMatch(/protect/);
                return;
            }
            const steps = previewSteps(r.stdout);
            const ids = (ops: string[]) => [...new Set(steps.filter((s) => ops.includes(s.op)).map((s) => urnId(s.urn)))].sort();
            expect(ids(["delete"])).toEqual([...review.removed].sort());
            const replaced = ids(["replace", "create-replacement", "delete-replaced"]);
            expect(replaced.filter((id) => review.dataLoss.some((d) => d.resource === id))).toEqual(
                [...new Set(review.dataLoss.map((d) => d.resource))].sort(),
            );
            // What --compare calls refused (a PVC shrink) is an in-place update for the provider, not a replacement.
            for (const d of review.refused) expect(ids(["update"])).toContain(d.resource);
        } finally {
            project.writeConfig([NO_ENTRY_CHECK, renderSet]);
        }
    });
});
