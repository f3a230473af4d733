/**
 * What each config key means, for the README's config reference
 * (`npm run docs`). Types and defaults come from the schema and
 * `defaults.ts`; a test checks every key has a line here.
 * `*` stands for any service (backend, workers, postgres, redis, minio, proxy).
 * A target's own section is described by its plug-in.
 */
import { TARGETS } from "../targets/registry";

export const CONFIG_DOCS: Record<string, string> = {
    target: "Where to deploy: one Docker host, or a Kubernetes cluster.",
    mode: "Docker only. `standard`: one backend with browsers and VNC (one browser at a time). `workers`: slim backend + browser workers fed by Redis.",
    "images.backend": "Backend image (API; in standard mode it also holds Playwright browsers and VNC). Runs the migration too.",
    "images.worker": "Browser worker image (Playwright). Serves /health/ready and /health/live on port 8001.",
    "images.postgres": "PostgreSQL image.",
    "images.redis": "Redis image.",
    "images.minio": "MinIO server image.",
    "images.minioClient": "MinIO client (`mc`) image for buckets, lifecycle rules and backups.",
    "images.proxy": "nginx image of the Docker reverse proxy.",
    "registry.mirror":
        "A registry (with an optional path prefix) that serves every image: `mirror.corp.example.com/hub` turns `postgres:16.4-alpine` into `mirror.corp.example.com/hub/library/postgres:16.4-alpine`. Images set explicitly under `images.*` are kept as written.",
    "registry.pullSecrets": "Kubernetes: names of existing docker-registry Secrets in the namespace; every ServiceAccount pulls with them.",
    "registry.auth":
        "Docker: `[{address, username, password}]` the provider pulls private images with; set the password with `pulumi config set --secret --path 'quorvex:registry.auth[0].password'` (secret in state and plans).",
    "backend.replicas": "Backend replicas (Kubernetes keeps all but one through disruptions with a PodDisruptionBudget).",
    "backend.port": "Backend HTTP port.",
    "backend.vncPort": "websockify port of the VNC stream (standard mode); never published, reached through the proxy at /vnc/.",
    "backend.shm": "/dev/shm of the standard-mode backend (it runs the browsers).",
    "backend.readinessPath": "Readiness endpoint.",
    "backend.livenessPath": "Liveness endpoint.",
    "workers.replicas":
        "Browser workers on Docker (in standard mode, workers beside the backend; above 8 a warning). On Kubernetes without autoscaler, the fixed count.",
    "workers.min": "Autoscaler minimum (Kubernetes).",
    "workers.max": "Autoscaler maximum (Kubernetes).",
    "workers.targetCpuPercent": "Average CPU the autoscaler aims at.",
    "workers.autoscaler": "`hpa` (autoscaling/v2, CPU), `keda` (ScaledObject with cpu + Redis list triggers), or `none`. Docker: `none`.",
    "workers.queue.listName": "Redis list of the browser job queue (KEDA trigger and env of backend and workers).",
    "workers.queue.listLength": "KEDA: queued jobs per worker before scaling up.",
    "workers.shm": "/dev/shm per worker (Memory emptyDir on Kubernetes, `shmSize` on Docker); charged to the memory limit.",
    "workers.shmHeadroom": "Memory each worker keeps above its /dev/shm; the limit must be at least shm + this.",
    "workers.terminationGracePeriodSeconds": "Time a stopping worker gets to finish its browser job.",
    "workers.artifactAccess":
        "What the workers' MinIO user may do in the artifact bucket: `write` (put only) or `readWrite` (get and put); never delete or list.",
    "postgres.storageSize": "Postgres volume size (PVC on Kubernetes).",
    "postgres.storageClass": "Storage class of the Postgres PVC; null: the cluster default.",
    "postgres.database": "Database name.",
    "postgres.user":
        "The bootstrap superuser, used only by the server and its roles task; the roles `<user>_migrate` (owns the database), `<user>_app` (the backend: rows only), `<user>_backup` (reads all) and `<user>_reader` (other teams) are made from it.",
    "redis.enabled": "Run Redis. Required in workers mode and whenever workers run.",
    "redis.storageSize": "Redis volume size (AOF).",
    "redis.storageClass": "Storage class of the Redis PVC.",
    "redis.workerExtraKeys":
        "Key patterns the workers' ACL user may use besides the queue list and `<queue>:*` (the worker image's contract, README); never `*`.",
    "redis.maxmemoryPercent":
        "`maxmemory` as a share of the Redis memory limit (with `noeviction`, Redis refuses writes rather than being killed or dropping jobs).",
    "minio.storageSize": "MinIO volume size.",
    "minio.storageClass": "Storage class of the MinIO PVC.",
    "minio.bucket": "Artifact bucket; objects expire after `archive.totalDays - archive.hotDays` days.",
    "ingress.host": "Public host name.",
    "ingress.className": "Kubernetes IngressClass.",
    "ingress.tls.mode":
        "`selfSigned` (generated), `provided` (certificate and key below), `secret` (existing TLS secret, Kubernetes), `certManager` (ClusterIssuer, Kubernetes), or `none`.",
    "ingress.tls.certificate": "PEM certificate chain for `provided` mode.",
    "ingress.tls.key": "PEM private key for `provided` mode: `pulumi config set --secret --path quorvex:ingress.tls.key < key.pem`. Never shown in messages.",
    "ingress.tls.secretName": "TLS secret for `secret` mode.",
    "ingress.tls.clusterIssuer": "cert-manager ClusterIssuer for `certManager` mode.",
    "ingress.maxBodySize": "Largest upload (nginx notation).",
    "ingress.timeoutSeconds": "Proxy read/send timeout: long API calls and the VNC WebSocket.",
    "ingress.check.enabled":
        "After every `up` that changes the backend, the route or its certificate, GET the readiness path through the way in from the deploying machine (TLS checked for the host) and fail the `up` if it does not answer 200. Turn off on runners that cannot reach the host.",
    "ingress.check.timeoutSeconds": "How long the check retries (a new certificate or load balancer can take minutes) before it fails the `up`.",
    "ingress.bindAddress": "Docker: host address the proxy publishes on (0.0.0.0 to serve a team).",
    "ingress.httpPort": "Docker: host HTTP port (redirects to HTTPS).",
    "ingress.httpsPort": "Docker: host HTTPS port.",
    "archive.hotDays": "Days artifacts stay on the backend's filesystem (`ARCHIVE_HOT_DAYS`).",
    "archive.totalDays": "Days after which artifacts are deleted (`ARCHIVE_TOTAL_DAYS`); must exceed hotDays.",
    "protection.protect": "Pulumi `protect` on volumes, PVCs, StatefulSets and the namespace. The checked-in dev stack sets false.",
    "protection.retainOnDelete":
        "Pulumi `retainOnDelete` on the volumes, PVCs and the namespace (not the StatefulSets, whose pods would outlive the stack): `pulumi destroy` leaves the data.",
    "secrets.rotation.postgres":
        "Change (any new string) to generate new Postgres passwords (the superuser's and every role's): Postgres, its roles task, the backend, its migration and the backup roll; nothing else.",
    "secrets.rotation.redis":
        "Change to generate new Redis passwords (the admin's and every ACL user's): Redis, the backend, the workers (and KEDA's trigger) roll.",
    "secrets.rotation.minio":
        "Change to generate a new MinIO root secret key and new user secret keys: MinIO, its setup task, the backend, the workers and the backup roll.",
    "secrets.rotation.backend": "Change to generate a new application secret key (signs sessions: users log in again).",
    "backup.enabled": "Kubernetes: a CronJob dumps Postgres (pg_dump) into MinIO. On Docker use `npm run backup:docker`.",
    "backup.schedule": "Cron schedule of the backup (cluster time zone).",
    "backup.retentionDays": "Backups expire from the backup bucket after this many days.",
    "backup.bucket": "MinIO bucket of the backups (also used by `npm run backup:docker`).",
    "*.resources.cpu.request": "CPU request per replica (Kubernetes; Docker has none).",
    "*.resources.cpu.limit": "CPU limit per replica (`cpus` on Docker).",
    "*.resources.memory.request": "Memory request per replica (`memoryReservation` on Docker).",
    "*.resources.memory.limit": "Memory limit per replica (`memory` on Docker).",
};

/** What a key means: a shared key's line here, or a target section's line from its plug-in. */
export function describeKey(key: string): string | undefined {
    const [section, ...rest] = key.split(".");
    const target = TARGETS.find((t) => t.name === section);
    if (target) return target.config.docs[rest.join(".")];
    return CONFIG_DOCS[key] ?? CONFIG_DOCS[key.replace(/^[a-z]+\./, "*.")];
}
