/**
 * Every shared default of the stack config, in one place; each target lays
 * its own over these (`targets/<name>/index.ts`: its section and its sizing).
 *
 * Sizing comes from the platform's own sizing tables (seed
 * `000_e21d9dc3573bf14a.txt`, "Resource Sizing"). The shared figures are the
 * per-replica requests and limits of its Kubernetes table:
 *
 * | service    | requests    | limits              |
 * |------------|-------------|---------------------|
 * | backend    | 1 CPU, 1Gi  | 4 CPU, 4Gi          |
 * | worker     | 1 CPU, 1Gi  | 2 CPU, 2Gi + 1Gi shm|
 * | PostgreSQL | 256Mi       | 1Gi                 |
 * | Redis      | 64Mi        | 256Mi               |
 *
 * The shm emptyDir of a pod is charged to the container's memory limit, so
 * the worker limit is 3Gi (2Gi for the browser as the seed intends + 1Gi shm).
 * A target's defaults replace these where its own table differs (the Docker
 * host's sizing).
 */
import type { Mode } from "./fields";
import type { TargetPlugin } from "../targets/plugin";

export type Raw = { [key: string]: unknown };

/** Memory a browser container must keep above its /dev/shm. */
export const SHM_HEADROOM = "1Gi";

/** A `resources` value: CPU and memory, requested and limited. */
export const sizing = (cpuRequest: string, cpuLimit: string, memRequest: string, memLimit: string): Raw => ({
    cpu: { request: cpuRequest, limit: cpuLimit },
    memory: { request: memRequest, limit: memLimit },
});

const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Objects merge key by key; scalars and lists from `over` replace. Keys are
 * defined as own properties, so a `__proto__` key stays a key (and is then
 * refused as unknown) instead of replacing the object's prototype.
 */
export function deepMerge(base: Raw, over: Raw): Raw {
    const out: Raw = { ...base };
    for (const [k, v] of Object.entries(over)) {
        const value = isObject(v) && Object.hasOwn(base, k) && isObject(base[k]) ? deepMerge(base[k] as Raw, v) : v;
        Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    }
    return out;
}

/** The shared keys' defaults, before a target's own. */
export function sharedDefaults(mode: Mode): Raw {
    return {
        images: {
            backend: mode === "standard" ? "ghcr.io/quorvex/quorvex-backend:1.0.0" : "ghcr.io/quorvex/quorvex-backend-slim:1.0.0",
            worker: "ghcr.io/quorvex/quorvex-browser-worker:1.0.0",
            postgres: "postgres:16.4-alpine",
            redis: "redis:7.4.1-alpine",
            // MinIO removed minio/minio and minio/mc from Docker Hub in September 2026; quay.io still serves
            // the community images, which stopped at these releases (the last ones pushed there).
            minio: "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z",
            minioClient: "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z",
            proxy: "nginx:1.27.2-alpine",
        },
        registry: {
            // Rewrites the registry of every image not set explicitly: `mirror.corp.example.com/hub`.
            mirror: null,
            // Where the cluster pulls: names of existing docker-registry Secrets in the namespace.
            pullSecrets: [],
            // Where the deploying tool pulls: credentials (password set with `pulumi config set --secret`).
            auth: [],
        },
        backend: {
            replicas: 2,
            port: 8000,
            vncPort: 6080,
            resources: sizing("1", "4", "1Gi", "4Gi"),
            shm: "2Gi",
            readinessPath: "/health/ready",
            livenessPath: "/health/live",
        },
        workers: {
            replicas: 2,
            min: 2,
            max: 20,
            targetCpuPercent: 70,
            autoscaler: "none",
            queue: { listName: "browser-jobs", listLength: 5 },
            resources: sizing("1", "2", "1Gi", "3Gi"),
            shm: "1Gi",
            shmHeadroom: SHM_HEADROOM,
            terminationGracePeriodSeconds: 600,
            artifactAccess: "write",
        },
        postgres: {
            resources: sizing("250m", "1", "256Mi", "1Gi"),
            storageSize: "20Gi",
            storageClass: null,
            database: "quorvex",
            user: "quorvex",
        },
        redis: {
            enabled: true,
            resources: sizing("100m", "500m", "64Mi", "256Mi"),
            storageSize: "5Gi",
            storageClass: null,
            maxmemoryPercent: 75,
            workerExtraKeys: [],
        },
        minio: {
            resources: sizing("250m", "1", "512Mi", "1Gi"),
            storageSize: "100Gi",
            storageClass: null,
            bucket: "quorvex-artifacts",
        },
        proxy: {
            resources: sizing("100m", "1", "64Mi", "256Mi"),
        },
        ingress: {
            host: "quorvex.localhost",
            className: "nginx",
            tls: { mode: "selfSigned", secretName: null, clusterIssuer: null, certificate: null, key: null },
            maxBodySize: "512m",
            timeoutSeconds: 3600,
            bindAddress: "127.0.0.1",
            httpPort: 80,
            httpsPort: 443,
            // After every up that changes the way in: the backend answers through it (README, Operations).
            check: { enabled: true, timeoutSeconds: 300 },
        },
        archive: { hotDays: 30, totalDays: 90 },
        // Change a value (any string) to generate that credential anew; see README "Rotate a password".
        secrets: { rotation: { postgres: "0", redis: "0", minio: "0", backend: "0" } },
        backup: {
            // Scheduled pg_dump into MinIO, where the target runs scheduled tasks.
            enabled: false,
            schedule: "17 3 * * *",
            retentionDays: 14,
            bucket: "quorvex-backups",
        },
        protection: { protect: true, retainOnDelete: true },
    };
}

/** The full default config of a stack on `target` in `mode`: every key, with every target's section. */
export function defaultsOf(target: TargetPlugin, mode: Mode, targets: readonly TargetPlugin[]): Raw {
    const sections = Object.fromEntries(targets.map((t) => [t.name, t.config.defaults]));
    return { target: target.name, mode, ...deepMerge(sharedDefaults(mode), target.sharedDefaults(mode)), ...sections };
}
