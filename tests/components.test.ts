/**
 * Each component alone, on each platform: what it asks the platform for
 * becomes the right Docker or Kubernetes resources, all children of it.
 */
import { PLACEMENT_DEFAULTS, placementSection } from "../targets/kubernetes/placement";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { Backend } from "../components/backend";
import { Ingress } from "../components/ingress";
import { MinIO } from "../components/minio";
import { Postgres } from "../components/postgres";
import { REDIS_ACCESS, Redis } from "../components/redis";
import { BrowserWorkerPool } from "../components/workers";
import { DockerTarget } from "../targets/docker/target";
import { KubernetesTarget } from "../targets/kubernetes/target";
import type { Target } from "../targets/contract";
import { all, envOf, inputs, k8sEnv, one, podOf, runStack, T, type Json } from "./helpers";

const budget = (mem: number) => ({ cpu: { request: 100, limit: 1000 }, memory: { request: mem / 2, limit: mem } });
const keep = { protect: true, retainOnDelete: true };

const docker = () =>
    new DockerTarget({
        stack: "t",
        host: null,
        publishDataPorts: false,
        publishesMetrics: false,
        hostSize: { cpuMilli: 8000, memoryMiB: 32768 },
        healthWaitSeconds: 300,
        healthStartInterval: null,
        registryAuth: [],
        ingress: { bindAddress: "127.0.0.1", httpPort: 80, httpsPort: 443, image: "nginx:1.27.2-alpine", resources: budget(256) },
    });
const kubernetes = () =>
    new KubernetesTarget({
        stack: "t",
        namespace: "qa",
        kubeconfig: null,
        context: null,
        renderYamlToDirectory: null,
        ingressControllerNamespace: "ingress-nginx",
        ingressControllerPodLabels: {},
        kedaNamespace: "keda",
        kedaOperatorPodLabels: {},
        dnsResolvers: [],
        browsingPorts: [80, 443],
        apiServerCidrs: ["10.0.0.0/8"],
        way: {
            kind: "ingress",
            controller: "ingress-nginx",
            className: null,
            annotations: {},
            gateway: { name: null, namespace: null, sectionName: null, className: null, dataPlaneNamespace: null, dataPlanePodLabels: {} },
        },
        placement: placementSection.parse(PLACEMENT_DEFAULTS),
        protection: keep,
        imagePullSecrets: [],
        scrapedBy: null,
    });

function postgres(target: Target) {
    return new Postgres("postgres", {
        target,
        image: "postgres:16.4-alpine",
        resources: budget(1024),
        storage: { sizeMiB: 10240, storageClass: "fast" },
        database: "quorvex",
        superuser: "quorvex",
        roles: [
            { consumer: "backend-migrate", name: "quorvex_migrate", access: "owner" },
            { consumer: "backend", name: "quorvex_app", access: "readWrite" },
        ],
        protection: keep,
    });
}
function redis(target: Target) {
    return new Redis("redis", {
        target,
        image: "redis:7.4.1-alpine",
        resources: budget(256),
        storage: { sizeMiB: 1024, storageClass: null },
        maxmemoryPercent: 75,
        users: [
            { consumer: "backend", name: "backend", rules: REDIS_ACCESS.application() },
            { consumer: "workers", name: "workers", rules: REDIS_ACCESS.queueWorker("jobs") },
            { consumer: "workers-scaler", name: "scaler", rules: REDIS_ACCESS.listLength("jobs") },
        ],
        protection: keep,
    });
}
function minio(target: Target) {
    return new MinIO("minio", {
        target,
        image: "minio/minio:RELEASE.2024-10-13T13-34-11Z",
        clientImage: "minio/mc:RELEASE.2024-10-08T09-37-26Z",
        resources: budget(1024),
        storage: { sizeMiB: 10240, storageClass: null },
        buckets: [{ name: "artifacts", expireDays: 60 }],
        users: [
            { name: "backend", grants: [{ bucket: "artifacts", access: "full" }] },
            { name: "workers", grants: [{ bucket: "artifacts", access: "write" }] },
        ],
        protection: keep,
    });
}
function everything(target: Target, autoscaler: "hpa" | "keda" | undefined, mode: "standard" | "workers" = "workers") {
    const pg = postgres(target);
    const rd = redis(target);
    const mn = minio(target);
    const backend = new Backend("backend", {
        target,
        image: "ghcr.io/quorvex/quorvex-backend-slim:1.0.0",
        mode,
        replicas: 2,
        port: 8000,
        vncPort: 6080,
        resources: budget(4096),
        shmMiB: 0,
        readinessPath: "/health/ready",
        livenessPath: "/health/live",
        metricsPath: null,
        database: pg.connectionFor("backend"),
        migration: pg.connectionFor("backend-migrate"),
        queue: rd.connectionFor("backend"),
        objectStore: mn.connectionFor("backend"),
        bucket: "artifacts",
        archive: { hotDays: 30, totalDays: 90 },
        queueName: "jobs",
    });
    new BrowserWorkerPool("workers", {
        target,
        image: "ghcr.io/quorvex/quorvex-browser-worker:1.0.0",
        replicas: 3,
        autoscaling: autoscaler && { engine: autoscaler, min: 2, max: 20, targetCpuPercent: 70, queueLength: 5 },
        resources: budget(3072),
        shmMiB: 1024,
        terminationGracePeriodSeconds: 600,
        queueName: "jobs",
        queue: rd.connectionFor("workers"),
        scaler: autoscaler === "keda" ? rd.connectionFor("workers-scaler") : undefined,
        objectStore: mn.connectionFor("workers"),
        bucket: "artifacts",
        metricsPath: null,
        backend,
    });
    new Ingress("ingress", {
        target,
        host: "q.example.com",
        tls: { mode: "certManager", secretName: null, clusterIssuer: "le", certificate: null, key: null },
        backend,
        vnc: mode === "standard",
        maxBodySize: "512m",
        timeoutSeconds: 3600,
        check: null,
    });
}

describe("Postgres", () => {
    it("on Docker: a protected named volume and a healthy-checked container, children of the component", async () => {
        const run = await runStack({ stack: "t", config: {}, build: () => void postgres(docker()) });
        const volume = one(run, T.volume, "postgres-data");
        expect(volume.parent).toBe("quorvex:platform:Postgres::postgres");
        expect(volume.options).toMatchObject(keep);
        const c = one(run, T.container, "postgres");
        expect(c.parent).toBe("quorvex:platform:Postgres::postgres");
        expect(inputs(c).healthcheck.tests).toEqual(["CMD", "pg_isready", "-h", "127.0.0.1", "-U", "quorvex", "-d", "quorvex"]);
        expect(envOf(c)).toMatchObject({ POSTGRES_DB: "quorvex", POSTGRES_USER: "quorvex", PGDATA: "/var/lib/postgresql/data/pgdata" });
    });

    it("on Kubernetes: Secret, protected PVC with the storage class, headless Service, protected StatefulSet mounting the PVC", async () => {
        const run = await runStack({ stack: "t", config: {}, build: () => void postgres(kubernetes()) });
        const pvc = one(run, T.pvc, "postgres-data");
        expect(inputs(pvc).spec).toEqual({ accessModes: ["ReadWriteOnce"], storageClassName: "fast", resources: { requests: { storage: "10Gi" } } });
        expect(pvc.options).toMatchObject(keep);
        expect(inputs(one(run, T.service, "postgres")).spec.clusterIP).toBe("None");
        const sts = one(run, T.statefulSet, "postgres");
        expect(sts.options).toMatchObject({ protect: true, retainOnDelete: false });
        expect(podOf(sts).volumes).toContainEqual({ name: "data", persistentVolumeClaim: { claimName: "postgres-data" } });
        // The superuser's password is a file (the image reads POSTGRES_PASSWORD_FILE): the pod's env holds only its path.
        const env = k8sEnv(podOf(sts).containers[0]);
        expect(env.POSTGRES_PASSWORD).toBeUndefined();
        expect(env.POSTGRES_PASSWORD_FILE).toBe("/run/secrets/quorvex/postgres/POSTGRES_PASSWORD");
        expect(podOf(sts).volumes).toContainEqual({ name: "secret-postgres", secret: { secretName: "postgres-credentials", defaultMode: 0o440 } });
        expect(podOf(sts).containers[0].volumeMounts).toContainEqual({ name: "secret-postgres", mountPath: "/run/secrets/quorvex/postgres", readOnly: true });
        expect(Object.keys(inputs(one(run, T.secret, "postgres-credentials")).stringData).sort()).toEqual(["POSTGRES_PASSWORD"]);
        expect(Object.keys(inputs(one(run, T.secret, "postgres-backend-credentials")).stringData).sort()).toEqual(["DATABASE_URL", "PASSWORD"]);
    });
});

describe("Redis", () => {
    it("sets maxmemory below the container limit, noeviction and AOF, on both platforms", async () => {
        for (const target of [docker, kubernetes]) {
            const run = await runStack({ stack: "t", config: {}, build: () => void redis(target()) });
            const command =
                target === docker
                    ? (inputs(one(run, T.container, "redis")).entrypoints as string[])
                    : (podOf(one(run, T.statefulSet, "redis")).containers[0].command as string[]);
            expect(command.join(" ")).toMatch(/--maxmemory 192mb --maxmemory-policy noeviction/);
            expect(command.join(" ")).toContain("--appendonly yes");
        }
    });
});

describe("MinIO", () => {
    it("creates its buckets and lifecycle in a one-shot task after MinIO is healthy", async () => {
        const run = await runStack({ stack: "t", config: {}, build: () => void minio(docker()) });
        const task = one(run, T.container, "minio-buckets");
        expect(task.options.dependsOn).toContain(`${T.container}::minio`);
        expect(inputs(task).entrypoints[2]).toContain(`mc ilm import quorvex/artifacts`);
    });

    it("gives its setup task a whole core (each of mc's admin calls with a secret derives a key with Argon2id)", async () => {
        const run = await runStack({ stack: "t", config: {}, build: () => void minio(docker()) });
        expect(inputs(one(run, T.container, "minio-buckets")).cpus).toBe("1.0");
        const k8s = await runStack({ stack: "t", config: {}, build: () => void minio(kubernetes()) });
        expect(podOf(one(k8s, T.job, "minio-buckets")).containers[0].resources).toMatchObject({ requests: { cpu: "100m" }, limits: { cpu: "1" } });
    });

    it("on Kubernetes, runs the task as a Job named after its run key", async () => {
        const run = await runStack({ stack: "t", config: {}, build: () => void minio(kubernetes()) });
        const job = one(run, T.job, "minio-buckets");
        expect(inputs(job).metadata.name).toMatch(/^minio-buckets-[0-9a-f]{8}$/);
        expect(podOf(job).restartPolicy).toBe("Never");
    });
});

describe("the whole set on Kubernetes, without config", () => {
    it("builds an HPA by default and a ScaledObject with KEDA, never both", async () => {
        const hpa = await runStack({ stack: "t", config: {}, build: () => everything(kubernetes(), "hpa") });
        expect(all(hpa, T.hpa)).toHaveLength(1);
        expect(all(hpa, T.scaledObject)).toHaveLength(0);
        const keda = await runStack({ stack: "t", config: {}, build: () => everything(kubernetes(), "keda") });
        expect(all(keda, T.hpa)).toHaveLength(0);
        expect(all(keda, T.scaledObject)).toHaveLength(1);
    });

    it("gives a fixed-size pool its replicas and lets Pulumi manage them", async () => {
        const run = await runStack({ stack: "t", config: {}, build: () => everything(kubernetes(), undefined) });
        const d = one(run, T.deployment, "workers");
        expect(inputs(d).spec.replicas).toBe(3);
        expect(d.options.ignoreChanges).toEqual([]);
    });

    it("on Docker, runs the same set with numbered workers and no autoscaler objects", async () => {
        const run = await runStack({ stack: "t", config: {}, build: () => everything(docker(), undefined) });
        expect(all(run, T.container).map((c) => c.name)).toEqual(
            expect.arrayContaining(["workers-1", "workers-2", "workers-3", "backend-1", "backend-2", "ingress"]),
        );
        expect(run.resources.some((r) => r.type.startsWith("kubernetes:"))).toBe(false);
    });
});

describe("Ingress", () => {
    it("on Kubernetes, routes the VNC WebSocket path to its port and admits the ingress controller to every port it routes to", async () => {
        const run = await runStack({ stack: "t", config: {}, build: () => everything(kubernetes(), undefined, "standard") });
        const paths = inputs(one(run, T.ingress, "ingress")).spec.rules[0].http.paths;
        expect(paths.map((p: Json) => [p.path, p.backend.service.port.number])).toEqual([
            ["/vnc/", 6080],
            ["/", 8000],
        ]);
        const admitted = inputs(one(run, T.networkPolicy, "backend-from-ingress")).spec.ingress[0].ports.map((p: Json) => p.port);
        expect(admitted).toEqual([8000, 6080]);
    });
});

describe("the offline plan, as the engine forms URNs", () => {
    class Part extends pulumi.ComponentResource {
        constructor(type: string, name: string, opts?: pulumi.ComponentResourceOptions) {
            super(type, name, {}, opts);
        }
    }
    it("fails a program that registers one URN twice, as `pulumi up` does, naming it", async () => {
        const twice = runStack({
            stack: "urns",
            config: {},
            build: () => {
                const a = new Part("test:index:Pool", "a");
                const b = new Part("test:index:Pool", "b");
                for (const parent of [a, b]) new Part("test:index:Policy", "shared", { parent });
            },
        });
        await expect(twice).rejects.toThrow("Duplicate resource URN: test:index:Pool$test:index:Policy::shared (registered twice)");
    });

    it("takes one name under parents of different types: their URNs differ", async () => {
        const run = runStack({
            stack: "urns",
            config: {},
            build: () => {
                new Part("test:index:Policy", "shared", { parent: new Part("test:index:Pool", "a") });
                new Part("test:index:Policy", "shared", { parent: new Part("test:index:Tasks", "b") });
            },
        });
        await expect(run).resolves.toMatchObject({ resources: expect.any(Array) });
    });
});
