/**
 * The platform's six parts, composed once for every target: the platform
 * layer decides how each part becomes Docker containers or Kubernetes objects.
 * A registered service beyond them places itself (its plug-in's `compose`).
 */
import { SERVICES, type ServicePlugin } from "../components/registry";
import type { QuorvexConfig } from "../config/schema";
import type { Target } from "../targets/contract";
import { Backend } from "../components/backend";
import { PostgresBackup } from "../components/backup";
import { Ingress } from "../components/ingress";
import { MinIO } from "../components/minio";
import { Postgres, type PostgresRole } from "../components/postgres";
import { REDIS_ACCESS, Redis, type RedisUser } from "../components/redis";
import type { MinioUser } from "../components/minio";
import { BrowserTasks } from "../components/tasks";
import { BrowserWorkerPool } from "../components/workers";
import { EXPORTERS, exportersOf, PostgresExporter, RedisExporter } from "../components/exporters";
import { poolsOf, type Pool } from "../components/services/workers";

export interface Composition {
    postgres: Postgres;
    redis?: Redis;
    minio: MinIO;
    backend: Backend;
    /** The default pool (`workers`). */
    workers?: BrowserWorkerPool;
    /** Every pool, the default one first, with what it was made from. */
    pools: { pool: Pool; workers: BrowserWorkerPool }[];
    ingress: Ingress;
    backup?: PostgresBackup;
    tasks?: BrowserTasks;
    /** With `exporters.enabled`: Postgres's, and Redis's where Redis runs. */
    exporters?: { postgres: PostgresExporter; redis?: RedisExporter };
}

/** The consumer the stack outputs hand a credential to: other teams, read-only. */
export const OTHER_TEAMS = "other-teams";

/**
 * Who gets which credential, and what it may do: one place for the platform's least privilege.
 * No workload but a data service and its setup task holds that service's root credential.
 */
export function grants(config: QuorvexConfig): { postgres: PostgresRole[]; redis: RedisUser[]; minio: MinioUser[] } {
    const u = config.postgres.user;
    const queue = config.workers.queue.listName;
    const pools = poolsOf(config.workers, config.images.worker);
    const artifacts = config.minio.bucket;
    const backup = config.backup.enabled;
    const tasks = config.tasks.enabled;
    const metrics = exportersOf(config);
    return {
        postgres: [
            { consumer: "backend-migrate", name: `${u}_migrate`, access: "owner" },
            { consumer: "backend", name: `${u}_app`, access: "readWrite" },
            ...(backup ? [{ consumer: "postgres-backup", name: `${u}_backup`, access: "dump" as const }] : []),
            { consumer: OTHER_TEAMS, name: `${u}_reader`, access: "read" },
            ...(metrics.postgres ? [{ consumer: EXPORTERS.postgres, name: `${u}_monitor`, access: "monitor" as const }] : []),
        ],
        redis: [
            { consumer: "backend", name: "backend", rules: REDIS_ACCESS.application() },
            // Each pool its own user on its own queue; KEDA reads each queue's length as a user of its own,
            // for a pool's ScaledObject or the tasks' ScaledJob.
            ...pools.flatMap((p) => [
                { consumer: p.role, name: p.role, rules: REDIS_ACCESS.queueWorker(p.queue.listName, config.redis.workerExtraKeys) },
                ...(p.autoscaler.startsWith("keda")
                    ? [{ consumer: scalerOf(p), name: p.key === null ? "scaler" : `scaler-${p.key}`, rules: REDIS_ACCESS.listLength(p.queue.listName) }]
                    : []),
            ]),
            // An ephemeral task is a worker that takes one job: the same keys, its own user.
            ...(tasks ? [{ consumer: "tasks", name: "tasks", rules: REDIS_ACCESS.queueWorker(queue, config.redis.workerExtraKeys) }] : []),
            { consumer: OTHER_TEAMS, name: "reader", rules: REDIS_ACCESS.queueReader(...pools.map((p) => p.queue.listName)) },
            ...(metrics.redis ? [{ consumer: EXPORTERS.redis, name: "exporter", rules: REDIS_ACCESS.metrics(...pools.map((p) => p.queue.listName)) }] : []),
        ],
        minio: [
            { name: "backend", grants: [{ bucket: artifacts, access: "full" }] },
            ...pools.map((p) => ({ name: p.role, grants: [{ bucket: artifacts, access: p.artifactAccess }] })),
            ...(tasks ? [{ name: "tasks", grants: [{ bucket: artifacts, access: config.workers.artifactAccess }] }] : []),
            // Put only: the backup job cannot read, list, overwrite-by-delete or delete a dump; the bucket's expiry rule is the retention.
            ...(backup ? [{ name: "postgres-backup", grants: [{ bucket: config.backup.bucket, access: "write" as const }] }] : []),
            { name: OTHER_TEAMS, grants: [{ bucket: artifacts, access: "read" }] },
        ],
    };
}

/** The consumer KEDA reads a pool's queue length as (the default pool's, `workers-scaler`, also serves the tasks' ScaledJob). */
const scalerOf = (p: Pool) => `${p.role}-scaler`;

export function compose(target: Target, config: QuorvexConfig, services: readonly ServicePlugin[] = SERVICES): Composition {
    const protection = config.protection;
    const who = grants(config);
    const resolved = poolsOf(config.workers, config.images.worker);
    const postgres = new Postgres("postgres", {
        target,
        image: config.images.postgres,
        resources: config.postgres.resources,
        storage: { sizeMiB: config.postgres.storageSize, storageClass: config.postgres.storageClass },
        database: config.postgres.database,
        superuser: config.postgres.user,
        roles: who.postgres,
        protection,
        passwordRotation: config.secrets.rotation.postgres,
    });
    const redis = config.redis.enabled
        ? new Redis("redis", {
              target,
              image: config.images.redis,
              resources: config.redis.resources,
              storage: { sizeMiB: config.redis.storageSize, storageClass: config.redis.storageClass },
              maxmemoryPercent: config.redis.maxmemoryPercent,
              users: who.redis,
              protection,
              passwordRotation: config.secrets.rotation.redis,
          })
        : undefined;
    const minio = new MinIO("minio", {
        target,
        image: config.images.minio,
        clientImage: config.images.minioClient,
        resources: config.minio.resources,
        storage: { sizeMiB: config.minio.storageSize, storageClass: config.minio.storageClass },
        buckets: [
            // Artifacts reach MinIO after the hot days and are deleted at the total.
            { name: config.minio.bucket, expireDays: config.archive.totalDays - config.archive.hotDays },
            // Database dumps (the CronJob, or `npm run backup:docker`) expire after the retention.
            { name: config.backup.bucket, expireDays: config.backup.retentionDays },
        ],
        users: who.minio,
        protection,
        secretKeyRotation: config.secrets.rotation.minio,
    });
    const backup = config.backup.enabled
        ? new PostgresBackup("postgres-backup", {
              target,
              database: postgres.connectionFor("postgres-backup"),
              objectStore: minio.connectionFor("postgres-backup"),
              postgresImage: config.images.postgres,
              clientImage: config.images.minioClient,
              schedule: config.backup.schedule,
              bucket: config.backup.bucket,
          })
        : undefined;
    const backend = new Backend("backend", {
        target,
        image: config.images.backend,
        mode: config.mode,
        replicas: config.backend.replicas,
        port: config.backend.port,
        vncPort: config.backend.vncPort,
        resources: config.backend.resources,
        shmMiB: config.backend.shm,
        readinessPath: config.backend.readinessPath,
        metricsPath: config.backend.metricsPath,
        livenessPath: config.backend.livenessPath,
        database: postgres.connectionFor("backend"),
        migration: postgres.connectionFor("backend-migrate"),
        queue: redis?.connectionFor("backend"),
        objectStore: minio.connectionFor("backend"),
        bucket: config.minio.bucket,
        archive: config.archive,
        queueName: config.workers.queue.listName,
        poolQueues: Object.fromEntries(resolved.flatMap((p) => (p.key === null ? [] : [[p.key, p.queue.listName]]))),
        secretKeyRotation: config.secrets.rotation.backend,
        taskController: config.tasks.enabled,
        checkedThroughEntry: config.ingress.check.enabled,
    });
    // In standard mode the pool is empty unless workers are asked to run beside the backend.
    const pools = redis
        ? resolved.map((pool) => ({
              pool,
              workers: new BrowserWorkerPool(pool.role, {
                  target,
                  image: pool.image,
                  replicas: pool.replicas,
                  autoscaling:
                      pool.autoscaler !== "hpa" && pool.autoscaler !== "keda"
                          ? undefined
                          : {
                                engine: pool.autoscaler,
                                min: pool.min,
                                max: pool.max,
                                targetCpuPercent: pool.targetCpuPercent,
                                queueLength: pool.queue.listLength,
                            },
                  resources: pool.resources,
                  shmMiB: pool.shm,
                  terminationGracePeriodSeconds: pool.terminationGracePeriodSeconds,
                  queueName: pool.queue.listName,
                  queue: redis.connectionFor(pool.role),
                  scaler: pool.autoscaler === "keda" ? redis.connectionFor(scalerOf(pool)) : undefined,
                  objectStore: minio.connectionFor(pool.role),
                  bucket: config.minio.bucket,
                  backend,
                  env: pool.env,
                  poolKey: pool.key,
                  metricsPath: pool.metricsPath,
              }),
          }))
        : [];
    const workers = pools[0]?.workers;
    const ingress = new Ingress("ingress", {
        target,
        host: config.ingress.host,
        tls: config.ingress.tls,
        backend,
        vnc: config.mode === "standard",
        maxBodySize: config.ingress.maxBodySize,
        timeoutSeconds: config.ingress.timeoutSeconds,
        check: config.ingress.check.enabled ? { path: config.backend.readinessPath, timeoutSeconds: config.ingress.check.timeoutSeconds } : null,
    });
    const tasks =
        config.tasks.enabled && redis
            ? new BrowserTasks("tasks", {
                  target,
                  namespace: config.tasks.namespace,
                  image: config.images.worker,
                  resources: config.tasks.resources,
                  shmMiB: config.tasks.shm,
                  ephemeralStorageMiB: config.tasks.ephemeralStorage,
                  job: {
                      activeDeadlineSeconds: config.tasks.activeDeadlineSeconds,
                      ttlSecondsAfterFinished: config.tasks.ttlSecondsAfterFinished,
                      backoffLimit: config.tasks.backoffLimit,
                  },
                  quota: config.tasks.quota,
                  scaling:
                      config.workers.autoscaler === "keda-job"
                          ? { min: config.workers.min, max: config.workers.max, scaler: redis.connectionFor("workers-scaler") }
                          : undefined,
                  queueName: config.workers.queue.listName,
                  queue: redis.connectionFor("tasks"),
                  objectStore: minio.connectionFor("tasks"),
                  bucket: config.minio.bucket,
                  backend,
              })
            : undefined;
    const e = config.exporters;
    const exporters = exportersOf(config).postgres
        ? {
              postgres: new PostgresExporter(EXPORTERS.postgres, {
                  target,
                  image: config.images.postgresExporter,
                  port: e.postgres.port,
                  resources: e.postgres.resources,
                  database: postgres.connectionFor(EXPORTERS.postgres),
              }),
              // Where Redis runs (exportersOf's rule: the component exists exactly then).
              redis: redis
                  ? new RedisExporter(EXPORTERS.redis, {
                        target,
                        image: config.images.redisExporter,
                        port: e.redis.port,
                        resources: e.redis.resources,
                        queue: redis.connectionFor(EXPORTERS.redis),
                        queueNames: resolved.map((p) => p.queue.listName),
                    })
                  : undefined,
          }
        : undefined;
    for (const s of services) {
        s.compose?.({ target, own: (config as unknown as Record<string, unknown>)[s.name], placement: { protection } });
    }
    return { postgres, redis, minio, backend, workers, pools, ingress, backup, tasks, exporters };
}
