/**
 * The CrossGuard pack: each policy's identity, one compliant fixture per
 * resource kind, and one test per way to break it (one field each time).
 */
import { describe, expect, it } from "vitest";
import { evaluate, settingsFor, type PackConfig, type ResourceRecord } from "../policies/evaluate";
import { MARKERS as POLICY_MARKERS } from "../policies/lib/workloads";
import { policies, resourcePolicies, stackPolicies } from "../policies/pack";
import { MARKERS } from "../targets/contract";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- fixtures are free-form resource inputs
/** A resource record whose inputs tests may edit freely. */
type Fixture = ResourceRecord & { inputs: Json };

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const CONTAINER = "docker:index/container:Container";

async function violations(policy: string, resources: ResourceRecord | ResourceRecord[], config: PackConfig = {}) {
    const all = await evaluate(Array.isArray(resources) ? resources : [resources], config);
    return all.filter((v) => v.policy === policy);
}

// --- fixtures ---------------------------------------------------------------

const dockerWorker = (): Fixture => ({
    type: CONTAINER,
    name: "workers-1",
    inputs: {
        name: "quorvex-dev-workers-1",
        image: "ghcr.io/quorvex/quorvex-browser-worker:1.0.0",
        memory: 2048,
        memoryReservation: 1024,
        shmSize: 1024,
        cpus: "2.0",
        labels: [{ label: MARKERS.runsBrowsers, value: "true" }],
    },
    options: {},
});

const container = (name: string, image: string, memLimit = "512Mi") => ({
    name,
    image,
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: memLimit } },
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
});

const podSpec = () => ({ containers: [container("app", "example/app:1.2.3")] });

const browserDeployment = (): Fixture => ({
    type: DEPLOYMENT,
    name: "browser-workers",
    inputs: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "browser-workers", namespace: "qa" },
        spec: {
            replicas: 2,
            template: {
                metadata: { labels: { [MARKERS.runsBrowsers]: "true" } },
                spec: {
                    containers: [
                        {
                            ...container("worker", "ghcr.io/quorvex/quorvex-browser-worker:1.0.0", "3Gi"),
                            volumeMounts: [{ name: "dshm", mountPath: "/dev/shm" }],
                        },
                    ],
                    volumes: [{ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } }],
                },
            },
        },
    },
});

/** One compliant fixture per workload kind. */
const workloadFixtures = (): Fixture[] => [
    { type: "kubernetes:core/v1:Pod", name: "pod", inputs: { apiVersion: "v1", kind: "Pod", metadata: { name: "pod" }, spec: podSpec() } },
    ...["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"].map((kind) => ({
        type: `kubernetes:apps/v1:${kind}`,
        name: kind.toLowerCase(),
        inputs: { apiVersion: "apps/v1", kind, metadata: { name: kind.toLowerCase() }, spec: { template: { spec: podSpec() } } },
    })),
    {
        type: "kubernetes:batch/v1:Job",
        name: "job",
        inputs: { apiVersion: "batch/v1", kind: "Job", metadata: { name: "job" }, spec: { template: { spec: podSpec() } } },
    },
    {
        type: "kubernetes:batch/v1:CronJob",
        name: "cron",
        inputs: { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "cron" }, spec: { jobTemplate: { spec: { template: { spec: podSpec() } } } } },
    },
    dockerWorker(),
    browserDeployment(),
];

const podPath = (r: Fixture): Json =>
    r.type.endsWith(":Pod") ? r.inputs.spec : r.type.endsWith(":CronJob") ? r.inputs.spec.jobTemplate.spec.template.spec : r.inputs.spec.template.spec;

// --- identity ----------------------------------------------------------------

describe("the pack", () => {
    it("has kebab-case names, a level and a description that tells the fix, and a config schema on every policy", () => {
        expect(policies.length).toBeGreaterThanOrEqual(10);
        for (const p of policies) {
            expect(p.name).toMatch(/^[a-z]+(-[a-z]+)+$/);
            expect(["mandatory", "advisory"]).toContain(p.enforcementLevel);
            expect(p.description).toMatch(/Fix: /);
            expect(p.configSchema).toBeDefined();
        }
    });

    it.each([
        ["containers-have-memory-limits", "mandatory", { requireRequests: true }],
        ["browser-workers-have-shm", "mandatory", { minShmMiB: 1024 }],
        ["shm-within-memory-limit", "mandatory", { minHeadroomMiB: 1024 }],
        ["memory-within-bounds", "advisory", { browser: { minMiB: 2048, maxMiB: 32768 } }],
        ["no-latest-images", "mandatory", { exemptImages: [] }],
        ["stateful-data-protected", "mandatory", { requireProtection: false }],
        ["one-autoscaler-per-workload", "mandatory", {}],
        ["docker-host-memory-budget", "advisory", { hostMemoryMiB: 32768, reserveMiB: 0 }],
        ["browser-workers-have-cpu-limits", "mandatory", { maxCores: 8 }],
        ["ingress-requires-tls", "mandatory", { exemptHosts: [] }],
        ["kubernetes-containers-hardened", "advisory", { requireReadOnlyRootFilesystem: false }],
    ])("%s is %s with defaults %j", (name, level, defaults) => {
        const p = policies.find((x) => x.name === name)!;
        expect(p).toBeDefined();
        const s = settingsFor(p);
        expect(s.level).toBe(level);
        expect(s.values).toMatchObject(defaults);
    });

    it("keeps resource and stack policies apart", () => {
        expect(stackPolicies.map((p) => p.name).sort()).toEqual(["docker-host-memory-budget", "one-autoscaler-per-workload"]);
        expect(resourcePolicies.every((p) => "validateResource" in p)).toBe(true);
    });

    it("reads the same marker labels the components set", () => expect(POLICY_MARKERS).toEqual(MARKERS));

    it("lets the config raise a level or disable a policy, and refuses unknown properties", async () => {
        const r = browserDeployment();
        r.inputs.spec.template.spec.volumes[0].emptyDir.sizeLimit = "512Mi";
        expect(await violations("browser-workers-have-shm", r, { "browser-workers-have-shm": "disabled" })).toEqual([]);
        expect(
            (
                await violations("memory-within-bounds", dockerWorker(), {
                    "memory-within-bounds": { enforcementLevel: "mandatory", browser: { minMiB: 4096, maxMiB: 8192 } },
                })
            )[0].level,
        ).toBe("mandatory");
        await expect(evaluate([r], { "browser-workers-have-shm": { minShm: 1 } })).rejects.toThrow(/unknown property minShm/);
    });
});

// --- containers-have-memory-limits --------------------------------------------

describe("containers-have-memory-limits", () => {
    it("passes a compliant fixture of every workload kind", async () => {
        expect(await violations("containers-have-memory-limits", workloadFixtures())).toEqual([]);
    });

    it.each(workloadFixtures().filter((r) => r.type !== CONTAINER))("flags %s without a memory limit", async (r) => {
        delete podPath(r).containers[0].resources.limits.memory;
        const [v] = await violations("containers-have-memory-limits", r);
        expect(v.message).toMatch(/no memory limit .*resources\.limits\.memory/);
        expect(v.resource).toBe(`${r.type}::${r.name}`);
    });

    it("flags a docker.Container without `memory`", async () => {
        const r = dockerWorker();
        delete r.inputs.memory;
        expect((await violations("containers-have-memory-limits", r))[0].message).toBe(
            "docker.Container `quorvex-dev-workers-1`: no memory limit (`memory`); set one so it cannot starve its neighbours",
        );
    });

    it("flags a memory request above the limit", async () => {
        const r = workloadFixtures()[1];
        podPath(r).containers[0].resources.requests.memory = "1Gi";
        expect((await violations("containers-have-memory-limits", r))[0].message).toMatch(/memory request 1Gi is above its limit 512Mi/);
    });

    it("flags a missing memory request", async () => {
        const r = workloadFixtures()[1];
        delete podPath(r).containers[0].resources.requests.memory;
        expect((await violations("containers-have-memory-limits", r))[0].message).toMatch(/no memory request/);
    });

    it("checks init containers too", async () => {
        const r = workloadFixtures()[1];
        podPath(r).initContainers = [{ name: "migrate", image: "example/app:1.2.3", resources: {} }];
        expect((await violations("containers-have-memory-limits", r))[0].message).toMatch(
            /^init container `migrate` of Deployment `deployment`: no memory limit/,
        );
    });
});

// --- browser-workers-have-shm / shm-within-memory-limit ------------------------

describe("browser-workers-have-shm", () => {
    it("passes browser workers on Docker and Kubernetes, and ignores non-browser containers", async () => {
        expect(await violations("browser-workers-have-shm", workloadFixtures())).toEqual([]);
    });

    it("flags a Docker browser container with shm below 1Gi", async () => {
        const r = dockerWorker();
        r.inputs.shmSize = 512;
        expect((await violations("browser-workers-have-shm", r))[0].message).toBe(
            "docker.Container `quorvex-dev-workers-1`: /dev/shm is 512Mi (`shmSize`); need at least 1Gi",
        );
    });

    it("flags a Docker browser container without shmSize (Docker's 64MB default)", async () => {
        const r = dockerWorker();
        delete r.inputs.shmSize;
        expect((await violations("browser-workers-have-shm", r))[0].message).toMatch(/no \/dev\/shm of its own \(`shmSize`\)/);
    });

    it("flags a Kubernetes browser container with a small Memory emptyDir", async () => {
        const r = browserDeployment();
        r.inputs.spec.template.spec.volumes[0].emptyDir.sizeLimit = "512Mi";
        expect((await violations("browser-workers-have-shm", r))[0].message).toBe(
            "container `worker` of Deployment `browser-workers`: /dev/shm is 512Mi (`spec.template.spec.volumes[0].emptyDir.sizeLimit`); need at least 1Gi",
        );
    });

    it("flags an unbounded shm emptyDir, a disk-backed one, and none at all", async () => {
        const unbounded = browserDeployment();
        delete unbounded.inputs.spec.template.spec.volumes[0].emptyDir.sizeLimit;
        expect((await violations("browser-workers-have-shm", unbounded))[0].message).toMatch(/no readable sizeLimit/);
        const disk = browserDeployment();
        delete disk.inputs.spec.template.spec.volumes[0].emptyDir.medium;
        expect((await violations("browser-workers-have-shm", disk))[0].message).toMatch(/no \/dev\/shm of its own/);
        const none = browserDeployment();
        none.inputs.spec.template.spec.containers[0].volumeMounts = [];
        expect(await violations("browser-workers-have-shm", none)).toHaveLength(1);
    });

    it("recognises browsers in others' stacks by image pattern, without our label", async () => {
        const r = browserDeployment();
        delete r.inputs.spec.template.metadata.labels[MARKERS.runsBrowsers];
        r.inputs.spec.template.spec.containers[0].image = "mcr.microsoft.com/playwright:v1.48.0-jammy";
        r.inputs.spec.template.spec.volumes = [];
        expect(await violations("browser-workers-have-shm", r)).toHaveLength(1);
        expect(await violations("browser-workers-have-shm", r, { "browser-workers-have-shm": { browserImagePatterns: [] } })).toHaveLength(0);
    });
});

describe("shm-within-memory-limit", () => {
    it("passes 2Gi with 1Gi shm (Docker) and 3Gi with 1Gi shm (Kubernetes)", async () => {
        expect(await violations("shm-within-memory-limit", [dockerWorker(), browserDeployment()])).toEqual([]);
    });

    it("flags shm within 1Gi of the limit, with the figures", async () => {
        const r = browserDeployment();
        r.inputs.spec.template.spec.containers[0].resources.limits.memory = "2Gi";
        r.inputs.spec.template.spec.volumes[0].emptyDir.sizeLimit = "1536Mi";
        expect((await violations("shm-within-memory-limit", r))[0].message).toBe(
            "container `worker` of Deployment `browser-workers`: memory limit 2Gi leaves 512Mi above a 1.5Gi /dev/shm; need at least 1Gi",
        );
    });

    it("flags a Docker worker whose shm equals its memory", async () => {
        const r = dockerWorker();
        r.inputs.shmSize = 2048;
        expect((await violations("shm-within-memory-limit", r))[0].message).toMatch(/leaves 0Mi above a 2Gi \/dev\/shm/);
    });

    it("honours a configured headroom", async () => {
        expect(await violations("shm-within-memory-limit", dockerWorker(), { "shm-within-memory-limit": { minHeadroomMiB: 1536 } })).toHaveLength(1);
    });
});

// --- memory-within-bounds, cpu ------------------------------------------------

describe("memory-within-bounds", () => {
    it("passes the fixtures", async () => expect(await violations("memory-within-bounds", workloadFixtures())).toEqual([]));

    it("flags a browser container below 2Gi and an ordinary one above its max, as advisory", async () => {
        const small = browserDeployment();
        small.inputs.spec.template.spec.containers[0].resources.limits.memory = "1Gi";
        const [v] = await violations("memory-within-bounds", small);
        expect(v).toMatchObject({ level: "advisory" });
        expect(v.message).toMatch(/memory limit 1Gi is outside 2Gi..32Gi for a browser container/);
        const big = workloadFixtures()[1];
        podPath(big).containers[0].resources.limits.memory = "64Gi";
        expect((await violations("memory-within-bounds", big))[0].message).toMatch(/memory limit 64Gi is outside 32Mi..16Gi for an ordinary container/);
    });
});

describe("browser-workers-have-cpu-limits", () => {
    it("passes the fixtures", async () => expect(await violations("browser-workers-have-cpu-limits", workloadFixtures())).toEqual([]));

    it("reads every form the Docker provider stores `cpus` in (2.0, 0.25, 16.)", async () => {
        for (const cpus of ["2.0", "0.25"]) {
            const d = dockerWorker();
            d.inputs.cpus = cpus;
            expect(await violations("browser-workers-have-cpu-limits", d), cpus).toEqual([]);
        }
        const big = dockerWorker();
        big.inputs.cpus = "16.";
        expect((await violations("browser-workers-have-cpu-limits", big))[0].message).toMatch(/CPU limit 16 cores is above 8/);
    });

    it("flags a browser container without a CPU limit, on both targets", async () => {
        const d = dockerWorker();
        delete d.inputs.cpus;
        expect((await violations("browser-workers-have-cpu-limits", d))[0].message).toMatch(/without a CPU limit \(`cpus`\)/);
        const k = browserDeployment();
        delete k.inputs.spec.template.spec.containers[0].resources.limits.cpu;
        expect((await violations("browser-workers-have-cpu-limits", k))[0].message).toMatch(/resources\.limits\.cpu/);
    });
});

// --- images -----------------------------------------------------------------

describe("no-latest-images", () => {
    it("passes pinned tags, digests and image IDs", async () => {
        const d = dockerWorker();
        d.inputs.image = "sha256:" + "a".repeat(64);
        const k = workloadFixtures()[1];
        podPath(k).containers[0].image = "example/app@sha256:" + "b".repeat(64);
        expect(await violations("no-latest-images", [...workloadFixtures(), d, k])).toEqual([]);
    });

    it.each([
        ["example/app:latest", /uses the `latest` tag/],
        ["example/app", /has no tag/],
        ["registry.local:5000/app", /has no tag/],
    ])("flags %s", async (image, why) => {
        const k = workloadFixtures()[1];
        podPath(k).containers[0].image = image;
        const [v] = await violations("no-latest-images", k);
        expect(v.message).toMatch(why);
        expect(v.message).toMatch(/spec\.template\.spec\.containers\[0\]\.image/);
    });

    it("checks docker.RemoteImage names and docker.Container images", async () => {
        const pull: ResourceRecord = { type: "docker:index/remoteImage:RemoteImage", name: "img", inputs: { name: "nginx:latest" } };
        const d = dockerWorker();
        d.inputs.image = "nginx";
        expect((await violations("no-latest-images", [pull, d])).map((v) => v.resource)).toEqual([
            "docker:index/remoteImage:RemoteImage::img",
            `${CONTAINER}::workers-1`,
        ]);
    });
});

// --- stateful-data-protected ---------------------------------------------------

describe("stateful-data-protected", () => {
    const pvc = (labels: Record<string, string>, protect: boolean): Fixture => ({
        type: "kubernetes:core/v1:PersistentVolumeClaim",
        name: "postgres-data",
        inputs: { metadata: { name: "postgres-data", labels } },
        options: { protect },
    });
    const keep = { [MARKERS.statefulData]: "postgres", [MARKERS.protect]: "true", [MARKERS.retainOnDelete]: "true" };
    const loose = { [MARKERS.statefulData]: "postgres", [MARKERS.protect]: "false", [MARKERS.retainOnDelete]: "false" };

    it("passes a protected PVC, a docker volume the stack lets go, and unmarked data without requireProtection", async () => {
        const vol: ResourceRecord = {
            type: "docker:index/volume:Volume",
            name: "v",
            inputs: { name: "v", labels: [{ label: MARKERS.statefulData, value: "redis" }] },
        };
        expect(await violations("stateful-data-protected", [pvc(keep, true), pvc(loose, false), vol, pvc({}, false)])).toEqual([]);
    });

    it("flags a resource the stack marked to keep but that is not protected", async () => {
        expect((await violations("stateful-data-protected", pvc(keep, false)))[0].message).toMatch(
            /PersistentVolumeClaim `postgres-data`: holds postgres data the stack must keep .* not protected/,
        );
    });

    it("with requireProtection (prod), flags any unprotected data volume, ours or not", async () => {
        const cfg = { "stateful-data-protected": { requireProtection: true } };
        expect(await violations("stateful-data-protected", pvc(loose, false), cfg)).toHaveLength(1);
        expect(await violations("stateful-data-protected", pvc({}, false), cfg)).toHaveLength(1);
        expect(await violations("stateful-data-protected", pvc({ ...loose, [MARKERS.retainOnDelete]: "true" }, false), cfg)).toHaveLength(0);
    });
});

// --- stack policies -------------------------------------------------------------

describe("one-autoscaler-per-workload", () => {
    const hpa = (name: string, target: string, ns = "qa"): Fixture => ({
        type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        name,
        inputs: { metadata: { name, namespace: ns }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target } } },
    });
    const so = (name: string, target: string, ns = "qa"): Fixture => ({
        type: "kubernetes:keda.sh/v1alpha1:ScaledObject",
        name,
        inputs: { metadata: { name, namespace: ns }, spec: { scaleTargetRef: { name: target } } },
    });

    it("passes one autoscaler per workload", async () => {
        expect(await violations("one-autoscaler-per-workload", [hpa("a", "workers"), so("b", "other"), so("c", "workers", "elsewhere")])).toEqual([]);
    });

    it("flags an HPA and a ScaledObject on the same Deployment", async () => {
        const [v] = await violations("one-autoscaler-per-workload", [hpa("workers", "workers"), so("workers-keda", "workers")]);
        expect(v).toMatchObject({ level: "mandatory", resource: null });
        expect(v.message).toBe(
            "Deployment `workers` (namespace qa) is targeted by 2 autoscalers: HorizontalPodAutoscaler `workers`, ScaledObject `workers-keda`; keep exactly one",
        );
    });

    it("flags two HPAs on one Deployment", async () => {
        expect(await violations("one-autoscaler-per-workload", [hpa("a", "workers"), hpa("b", "workers")])).toHaveLength(1);
    });
});

describe("docker-host-memory-budget", () => {
    const workers = (n: number) =>
        Array.from({ length: n }, (_, i) => {
            const r = dockerWorker();
            r.name = `workers-${i + 1}`;
            r.inputs.name = `w${i + 1}`;
            return r;
        });

    it("passes 16 workers of 2GB on a 32GB host", async () => expect(await violations("docker-host-memory-budget", workers(16))).toEqual([]));

    it("flags 17, with the figure, as advisory by default", async () => {
        const [v] = await violations("docker-host-memory-budget", workers(17));
        expect(v.level).toBe("advisory");
        expect(v.message).toBe("the 17 Docker containers' memory limits add up to 34Gi, above the 32Gi the host offers (32Gi host); over by 2Gi");
    });

    it("ignores one-shot task containers and honours a configured host and reserve", async () => {
        const task = dockerWorker();
        task.inputs.attach = true;
        task.inputs.memory = 100000;
        expect(await violations("docker-host-memory-budget", [...workers(1), task])).toEqual([]);
        expect(
            await violations("docker-host-memory-budget", workers(8), { "docker-host-memory-budget": { hostMemoryMiB: 16384, reserveMiB: 1024 } }),
        ).toHaveLength(1);
    });
});

describe("ingress-requires-tls and kubernetes-containers-hardened", () => {
    const ingress = (tls: Json[] | undefined): Fixture => ({
        type: "kubernetes:networking.k8s.io/v1:Ingress",
        name: "ing",
        inputs: { metadata: { name: "ing" }, spec: { rules: [{ host: "q.example.com" }], tls } },
    });

    it("passes an Ingress whose hosts all have TLS, and flags one that does not", async () => {
        expect(await violations("ingress-requires-tls", ingress([{ hosts: ["q.example.com"], secretName: "t" }]))).toEqual([]);
        expect((await violations("ingress-requires-tls", ingress(undefined)))[0].message).toBe(
            "Ingress `ing`: host `q.example.com` (`spec.rules[0].host`) has no TLS entry in `spec.tls`",
        );
        expect(await violations("ingress-requires-tls", ingress(undefined), { "ingress-requires-tls": { exemptHosts: ["q.example.com"] } })).toEqual([]);
    });

    it("flags a container that may escalate privileges", async () => {
        const r = workloadFixtures()[1];
        podPath(r).containers[0].securityContext.allowPrivilegeEscalation = true;
        expect((await violations("kubernetes-containers-hardened", r))[0].message).toMatch(/allowPrivilegeEscalation is not false/);
    });
});

describe("the pack on fixtures cloned from a real resource", () => {
    it("does not mutate its input", async () => {
        const r = browserDeployment();
        const before = clone(r);
        await evaluate([r]);
        expect(r).toEqual(before);
    });
});
