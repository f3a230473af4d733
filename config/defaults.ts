/**
 * The stack-wide defaults, in one place, and the assembly of a stack's full
 * default config: these, each registered service's own defaults with its line
 * of the sizing table the target follows, the target's defaults for shared
 * keys, and every target's section.
 *
 * Sizing comes from the platform's own sizing tables (seed
 * `000_e21d9dc3573bf14a.txt`, "Resource Sizing"); each service keeps its lines
 * of them beside its other defaults (`components/services/`).
 */
import type { ServicePlugin } from "../components/plugin";
import type { TargetPlugin } from "../targets/plugin";
import type { Mode } from "./fields";
import { deepMerge, sizing, type Raw } from "./sizing";

/** The stack-wide keys' defaults: images, registries, the Docker proxy, archive days, rotation keepers, backup, protection. */
export function stackDefaults(mode: Mode): Raw {
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
            // The alpine variant: its shell and wget run the Docker health check (the default one has neither).
            redisExporter: "oliver006/redis_exporter:v1.82.0-alpine",
            postgresExporter: "quay.io/prometheuscommunity/postgres-exporter:v0.19.1",
        },
        registry: {
            // Rewrites the registry of every image not set explicitly: `mirror.corp.example.com/hub`.
            mirror: null,
            // Where the cluster pulls: names of existing docker-registry Secrets in the namespace.
            pullSecrets: [],
            // Where the deploying tool pulls: credentials (password set with `pulumi config set --secret`).
            auth: [],
        },
        proxy: {
            resources: sizing("100m", "1", "64Mi", "256Mi"),
        },
        archive: { hotDays: 30, totalDays: 90 },
        // Change a value (any string) to generate that credential anew; see docs/operations.md, "Rotate a password".
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

/** A service's defaults on `target` in `mode`: its own, with its line of the target's sizing table. */
export const serviceDefaults = (service: ServicePlugin, target: TargetPlugin, mode: Mode): Raw =>
    deepMerge(service.config.defaults, service.config.sizing?.(target.sizingTable, mode) ?? {});

/** The full default config of a stack on `target` in `mode`: every key, with every target's section. */
export function defaultsOf(target: TargetPlugin, mode: Mode, targets: readonly TargetPlugin[], services: readonly ServicePlugin[]): Raw {
    const { images, registry, ...rest } = stackDefaults(mode);
    const own = Object.fromEntries(services.map((s) => [s.name, serviceDefaults(s, target, mode)]));
    const sections = Object.fromEntries(targets.map((t) => [t.name, t.config.defaults]));
    return { target: target.name, mode, ...deepMerge({ images, registry, ...own, ...rest }, target.sharedDefaults(mode)), ...sections };
}
