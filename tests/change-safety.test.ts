/**
 * Nothing is lost: routine config changes never replace or delete stored
 * data, dangerous ones are flagged by the offline change review, and plans
 * are deterministic.
 */
import { describe, expect, it } from "vitest";
import { compare } from "../tools/compare";
import { planStack, type PlanResource } from "../tools/planner";

const plans = new Map<string, Promise<PlanResource[]>>();
function plan(stack: string, sets: string[] = []): Promise<PlanResource[]> {
    const key = JSON.stringify([stack, sets]);
    if (!plans.has(key))
        plans.set(
            key,
            planStack({ stack, sets }).then((r) => r.document.resources),
        );
    return plans.get(key)!;
}

const WORKERS = ["mode=workers", "workers.replicas=4"];
/** The prod stack's way in as an Ingress (the checked-in one is a route on a shared Gateway). */
const AS_INGRESS = ["ingress.kind=ingress", "ingress.tls.mode=certManager", "ingress.tls.clusterIssuer=letsencrypt-prod"];

/** [title, stack, base --set, changed --set] */
const SAFE: [string, string, string[], string[]][] = [
    ["backend image tag", "dev", [], ["images.backend=ghcr.io/quorvex/quorvex-backend:1.1.0"]],
    ["worker image tag", "prod", [], ["images.worker=ghcr.io/quorvex/quorvex-browser-worker:1.2.0"]],
    ["postgres image patch release", "dev", [], ["images.postgres=postgres:16.6-alpine"]],
    ["worker count on Docker", "dev", WORKERS, [...WORKERS, "workers.replicas=7"]],
    ["autoscaler minimum", "prod", [], ["workers.min=3"]],
    ["autoscaler maximum", "prod", [], ["workers.max=40"]],
    ["autoscaler HPA -> KEDA", "prod", [], ["workers.autoscaler=keda"]],
    ["backend memory", "prod", [], ["backend.resources.memory.limit=6Gi"]],
    ["backend CPU", "dev", [], ["backend.resources.cpu.limit=6"]],
    ["worker memory", "prod", [], ["workers.resources.memory.limit=4Gi"]],
    ["postgres memory (a stateful service's resources)", "prod", [], ["postgres.resources.memory.limit=2Gi"]],
    ["archive days", "dev", [], ["archive.hotDays=14", "archive.totalDays=60"]],
    ["ingress host", "prod", [], ["ingress.host=tests.example.org"]],
    [
        "ingress TLS from cert-manager to an existing secret",
        "prod",
        AS_INGRESS,
        [...AS_INGRESS, "ingress.tls.mode=secret", "ingress.tls.secretName=wildcard-tls"],
    ],
    ["the way in from an Ingress to a route on the shared Gateway", "prod", AS_INGRESS, []],
    [
        "the way in from the shared Gateway to one of the stack's own",
        "prod",
        [],
        [
            "ingress.gateway.className=eg",
            "ingress.gateway.namespace=null",
            "ingress.gateway.sectionName=null",
            "ingress.gateway.dataPlaneNamespace=envoy-gateway-system",
            "ingress.tls.mode=certManager",
            "ingress.tls.clusterIssuer=letsencrypt-prod",
        ],
    ],
    ["Docker mode standard -> workers", "dev", [], WORKERS],
    ["PVC grown in place", "prod", [], ["postgres.storageSize=100Gi"]],
    ["redis maxmemory share", "dev", [], ["redis.maxmemoryPercent=60"]],
    ["protection switched on for dev", "dev", [], ["protection.protect=true", "protection.retainOnDelete=true"]],
    ["backend replicas", "prod", [], ["backend.replicas=3"]],
    ["rotating the postgres password", "prod", [], ["secrets.rotation.postgres=2026-11"]],
    ["backup schedule and retention", "prod", [], ["backup.schedule=0 1 * * *", "backup.retentionDays=30"]],
];

/** [title, stack, base --set, changed --set, resource that must be flagged] */
const DANGEROUS: [string, string, string[], string[], string][] = [
    ["postgres storage class", "prod", [], ["postgres.storageClass=other"], "kubernetes:core/v1:PersistentVolumeClaim::postgres-data"],
    ["minio storage class", "prod", [], ["minio.storageClass=cold"], "kubernetes:core/v1:PersistentVolumeClaim::minio-data"],
    ["namespace renamed", "prod", [], ["kubernetes.namespace=quorvex"], "kubernetes:core/v1:PersistentVolumeClaim::postgres-data"],
    ["Redis switched off", "dev", [], ["redis.enabled=false"], "docker:index/volume:Volume::redis-data"],
    ["target moved from Docker to Kubernetes", "dev", [], ["target=kubernetes", "mode=workers"], "docker:index/volume:Volume::postgres-data"],
];

describe("routine changes never touch stored data", () => {
    it(`covers at least 15 changes (${SAFE.length})`, () => expect(SAFE.length).toBeGreaterThanOrEqual(15));

    for (const [title, stack, base, changed] of SAFE) {
        it(`${title}: no stateful replacement or deletion`, async () => {
            const c = compare(await plan(stack, base), await plan(stack, changed));
            expect(c.changed.length + c.added.length + c.removed.length, "the change shows in the plan").toBeGreaterThan(0);
            expect(c.dataLoss).toEqual([]);
        });
    }
});

describe("dangerous changes are flagged", () => {
    it(`covers at least 8 changes (${DANGEROUS.length} by config, 4 by code)`, () => expect(DANGEROUS.length + 4).toBeGreaterThanOrEqual(8));

    for (const [title, stack, base, changed, resource] of DANGEROUS) {
        it(`${title}: flags ${resource}`, async () => {
            const c = compare(await plan(stack, base), await plan(stack, changed));
            expect(c.dataLoss.map((d) => d.resource)).toContain(resource);
        });
    }

    /** Code changes, simulated on the earlier plan: what it would look like had the code differed. */
    const edited = async (stack: string, edit: (resources: PlanResource[]) => void) => {
        const before = structuredClone(await plan(stack));
        edit(before);
        return compare(before, await plan(stack));
    };
    const find = (rs: PlanResource[], type: string, name: string) => rs.find((r) => r.type === type && r.name === name)!;

    it("a renamed PVC resource without an alias: the old one would be deleted", async () => {
        const c = await edited("prod", (rs) => (find(rs, "kubernetes:core/v1:PersistentVolumeClaim", "postgres-data").name = "pg-data"));
        expect(c.dataLoss).toContainEqual({ resource: "kubernetes:core/v1:PersistentVolumeClaim::pg-data", reason: expect.stringMatching(/^deletes it/) });
    });

    it("a renamed component (the parent of a volume changes its identity)", async () => {
        const c = await edited("dev", (rs) => {
            for (const r of rs) if (r.parent === "quorvex:platform:Postgres::postgres") r.parent = "quorvex:platform:Database::postgres";
            find(rs, "quorvex:platform:Postgres", "postgres").type = "quorvex:platform:Database";
        });
        expect(c.dataLoss.map((d) => d.resource)).toContain("docker:index/volume:Volume::postgres-data");
    });

    it("a renamed Docker volume resource without an alias: the old volume would be deleted", async () => {
        const c = await edited("dev", (rs) => (find(rs, "docker:index/volume:Volume", "minio-data").name = "objects-data"));
        expect(c.dataLoss).toContainEqual({ resource: "docker:index/volume:Volume::objects-data", reason: expect.stringMatching(/^deletes it/) });
    });

    it("not a Docker volume's driver or name edited in the program: the program ignores them, so the volume is never replaced", async () => {
        const c = await edited("dev", (rs) => {
            const v = find(rs, "docker:index/volume:Volume", "minio-data");
            v.inputs.driver = "local";
            v.inputs.name = "quorvex-dev-objects";
        });
        expect(c.dataLoss).toEqual([]);
    });

    it("a data container mounted elsewhere", async () => {
        const c = await edited(
            "dev",
            (rs) => ((find(rs, "docker:index/container:Container", "postgres").inputs.volumes as { containerPath: string }[])[0].containerPath = "/data"),
        );
        expect(c.dataLoss.map((d) => d.reason)).toContainEqual(expect.stringMatching(/moves the data mount.*volumes\[0\]\.containerPath/));
    });

    it("a StatefulSet immutable field (serviceName)", async () => {
        const c = await edited(
            "prod",
            (rs) => ((find(rs, "kubernetes:apps/v1:StatefulSet", "redis").inputs.spec as { serviceName: string }).serviceName = "redis-old"),
        );
        expect(c.dataLoss.map((d) => d.resource)).toContain("kubernetes:apps/v1:StatefulSet::redis");
    });

    it("a renamed resource with an alias is not a deletion", async () => {
        const before = structuredClone(await plan("prod"));
        find(before, "kubernetes:core/v1:PersistentVolumeClaim", "postgres-data").name = "pg-data";
        const after = structuredClone(await plan("prod"));
        find(after, "kubernetes:core/v1:PersistentVolumeClaim", "postgres-data").options.aliases = ["kubernetes:core/v1:PersistentVolumeClaim::pg-data"];
        expect(compare(before, after).dataLoss).toEqual([]);
    });
});

describe("changes the platform refuses", () => {
    it("a shrunk PVC: refused (Kubernetes only grows a claim, so `pulumi up` fails), and no data is lost: the provider updates it in place", async () => {
        const c = compare(await plan("prod"), await plan("prod", ["postgres.storageSize=10Gi"]));
        expect(c.refused).toEqual([
            { resource: "kubernetes:core/v1:PersistentVolumeClaim::postgres-data", reason: expect.stringMatching(/only grows a claim.*50Gi.*10Gi/) },
        ]);
        expect(c.dataLoss).toEqual([]);
    });

    it("a grown PVC is neither refused nor data loss", async () => {
        const c = compare(await plan("prod"), await plan("prod", ["postgres.storageSize=80Gi"]));
        expect(c.refused).toEqual([]);
        expect(c.dataLoss).toEqual([]);
    });
});

describe("deterministic plans", () => {
    for (const [stack, sets] of [
        ["dev", []],
        ["dev", WORKERS],
        ["prod", []],
        ["prod", ["workers.autoscaler=keda"]],
    ] as [string, string[]][]) {
        it(`planning ${stack} ${sets.join(" ")} twice gives identical JSON`, async () => {
            const a = await planStack({ stack, sets });
            const b = await planStack({ stack, sets });
            expect(JSON.stringify(b.document)).toBe(JSON.stringify(a.document));
        });
    }

    it("names every Docker object and Kubernetes object explicitly (no random suffix from auto-naming)", async () => {
        for (const resources of [await plan("dev"), await plan("dev", WORKERS), await plan("prod")]) {
            for (const r of resources) {
                if (r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:")) {
                    expect((r.inputs.metadata as { name?: string }).name, `${r.type} ${r.name}`).toMatch(/^[a-z0-9-]+$/);
                }
                if (["docker:index/container:Container", "docker:index/volume:Volume", "docker:index/network:Network"].includes(r.type)) {
                    expect(r.inputs.name, `${r.type} ${r.name}`).toMatch(/^quorvex-[a-z0-9-]+$/);
                }
            }
        }
    });
});
