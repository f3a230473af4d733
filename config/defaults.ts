/**
 * Every default of the stack config, in one place.
 *
 * Sizing comes from the platform's own sizing tables (seed
 * `000_e21d9dc3573bf14a.txt`, "Resource Sizing"):
 *
 * | Docker (workers)  | RAM             | Kubernetes | requests    | limits              |
 * |-------------------|-----------------|------------|-------------|---------------------|
 * | backend-slim      | 4GB             | backend    | 1 CPU, 1Gi  | 4 CPU, 4Gi          |
 * | browser-worker    | 2GB each, 2–8   | worker     | 1 CPU, 1Gi  | 2 CPU, 2Gi + 1Gi shm|
 * | PostgreSQL        | 4GB             | PostgreSQL | 256Mi       | 1Gi                 |
 * | Redis, MinIO      | 1.5GB each      | Redis      | 64Mi        | 256Mi               |
 *
 * Docker standard mode bundles API + browsers + VNC into one 24GB container
 * with a 2GB /dev/shm; workers get a 1GB /dev/shm. On Kubernetes the shm
 * emptyDir is charged to the container's memory limit, so the worker limit is
 * 3Gi (2Gi for the browser as the seed intends + 1Gi shm).
 */
import type { Mode, Target } from "./schema";

export type Raw = { [key: string]: unknown };

/** The recommended single Docker host (seed: "8-core server with 32GB RAM"). */
export const DOCKER_HOST_MEMORY = "32Gi";
/** Memory a browser container must keep above its /dev/shm. */
export const SHM_HEADROOM = "1Gi";
/** Above this many workers on one Docker host the seed's sizing no longer holds: warn. */
export const DOCKER_WORKERS_RECOMMENDED_MAX = 8;

const res = (cpuRequest: string, cpuLimit: string, memRequest: string, memLimit: string): Raw => ({
    cpu: { request: cpuRequest, limit: cpuLimit },
    memory: { request: memRequest, limit: memLimit },
});

export function defaultMode(target: Target): Mode {
    return target === "docker" ? "standard" : "workers";
}

/** The full default config for a target and mode. */
export function defaultsFor(target: Target, mode: Mode): Raw {
    const docker = target === "docker";
    return {
        target,
        mode,
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
            // Kubernetes: names of existing docker-registry Secrets in the namespace.
            pullSecrets: [],
            // Docker: credentials the provider uses to pull (password set with `pulumi config set --secret`).
            auth: [],
        },
        backend: {
            replicas: docker ? 1 : 2,
            port: 8000,
            vncPort: 6080,
            // Standard mode: one big container holding API, browsers and VNC (seed: 24GB, shm 2GB).
            resources: docker ? (mode === "standard" ? res("2", "8", "4Gi", "24Gi") : res("1", "4", "1Gi", "4Gi")) : res("1", "4", "1Gi", "4Gi"),
            shm: "2Gi",
            readinessPath: "/health/ready",
            livenessPath: "/health/live",
        },
        workers: {
            // Standard mode: the backend runs the browsers; workers may run alongside (seed: "run one
            // standard container for VNC debugging alongside worker containers").
            replicas: docker && mode === "standard" ? 0 : 2,
            min: 2,
            max: 20,
            targetCpuPercent: 70,
            autoscaler: docker ? "none" : "hpa",
            queue: { listName: "browser-jobs", listLength: 5 },
            resources: docker ? res("1", "2", "1Gi", "2Gi") : res("1", "2", "1Gi", "3Gi"),
            shm: "1Gi",
            shmHeadroom: SHM_HEADROOM,
            terminationGracePeriodSeconds: 600,
        },
        postgres: {
            resources: docker ? res("500m", "2", "1Gi", "4Gi") : res("250m", "1", "256Mi", "1Gi"),
            storageSize: "20Gi",
            storageClass: null,
            database: "quorvex",
            user: "quorvex",
        },
        redis: {
            enabled: true,
            resources: docker ? res("250m", "1", "256Mi", "1536Mi") : res("100m", "500m", "64Mi", "256Mi"),
            storageSize: "5Gi",
            storageClass: null,
            maxmemoryPercent: 75,
        },
        minio: {
            resources: docker ? res("250m", "1", "512Mi", "1536Mi") : res("250m", "1", "512Mi", "1Gi"),
            storageSize: "100Gi",
            storageClass: null,
            bucket: "quorvex-artifacts",
        },
        proxy: {
            resources: res("100m", "1", "64Mi", "256Mi"),
        },
        ingress: {
            host: docker ? "quorvex.localhost" : "quorvex.example.com",
            className: "nginx",
            tls: {
                mode: docker ? "selfSigned" : "certManager",
                secretName: null,
                clusterIssuer: docker ? null : "letsencrypt-prod",
                certificate: null,
                key: null,
            },
            maxBodySize: "512m",
            timeoutSeconds: 3600,
            bindAddress: "127.0.0.1",
            httpPort: 80,
            httpsPort: 443,
        },
        archive: { hotDays: 30, totalDays: 90 },
        // Change a value (any string) to generate that credential anew; see README "Rotate a password".
        secrets: { rotation: { postgres: "0", redis: "0", minio: "0", backend: "0" } },
        backup: {
            // Scheduled pg_dump into MinIO: a CronJob on Kubernetes; on Docker, `npm run backup:docker`.
            enabled: !docker,
            schedule: "17 3 * * *",
            retentionDays: 14,
            bucket: "quorvex-backups",
        },
        protection: { protect: true, retainOnDelete: true },
        docker: {
            host: null,
            hostMemory: DOCKER_HOST_MEMORY,
            publishDataPorts: false,
        },
        kubernetes: {
            namespace: "playwright-agent",
            kubeconfig: null,
            context: null,
            renderYamlToDirectory: null,
            ingressControllerNamespace: "ingress-nginx",
            kedaNamespace: "keda",
            workerEgressPorts: [80, 443],
            // Resolvers that are not kube-dns pods: NodeLocal DNSCache (169.254.20.10) and the
            // metadata-server resolver of GKE Autopilot and Cloud DNS (169.254.169.254).
            dnsResolvers: ["169.254.0.0/16"],
        },
    };
}
