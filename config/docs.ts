/**
 * What each config key means, for the README's config reference
 * (`npm run docs`). Types and defaults come from the schema and
 * `defaults.ts`; a test checks every key has a line. The stack-wide keys are
 * described here; a service's section by its plug-in, a target's by its.
 * `*` stands for any section with resources (the services' and the proxy's).
 */
import { SERVICES } from "../components/registry";
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
    "images.redisExporter": "Redis exporter image (with `exporters.enabled`); the Docker health check needs its shell and wget (the `-alpine` variant).",
    "images.postgresExporter": "Postgres exporter image (with `exporters.enabled`).",
    "registry.mirror":
        "A registry (with an optional path prefix) that serves every image: `mirror.corp.example.com/hub` turns `postgres:16.4-alpine` into `mirror.corp.example.com/hub/library/postgres:16.4-alpine`. Images set explicitly under `images.*` are kept as written.",
    "registry.pullSecrets": "Kubernetes: names of existing docker-registry Secrets in the namespace; every ServiceAccount pulls with them.",
    "registry.auth":
        "Docker: `[{address, username, password}]` the provider pulls private images with; set the password with `pulumi config set --secret --path 'quorvex:registry.auth[0].password'` (secret in state and plans).",
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

/** What a key means: a stack-wide key's line here, or a service's or a target's from its plug-in. */
export function describeKey(key: string): string | undefined {
    const [section, ...rest] = key.split(".");
    const plugin = [...SERVICES, ...TARGETS].find((p) => p.name === section);
    const own = plugin?.config.docs[rest.join(".")];
    if (own) return own;
    if (plugin && TARGETS.some((t) => t === plugin)) return undefined;
    // A section's resources, at any depth (`postgres.resources.*`, `exporters.redis.resources.*`).
    return CONFIG_DOCS[key] ?? CONFIG_DOCS[key.replace(/^[a-zA-Z.]*?\.(?=resources\.)/, "*.")];
}
