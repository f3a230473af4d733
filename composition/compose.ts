/**
 * The platform's six parts, composed once for every target: the platform
 * layer decides how each part becomes Docker containers or Kubernetes objects.
 */
import type { QuorvexConfig } from "../config/schema";
import type { Target } from "../targets/contract";
import { Backend } from "../components/backend";
import { PostgresBackup } from "../components/backup";
import { Ingress } from "../components/ingress";
import { MinIO } from "../components/minio";
import { Postgres } from "../components/postgres";
import { Redis } from "../components/redis";
import { BrowserWorkerPool } from "../components/workers";

export interface Composition {
    postgres: Postgres;
    redis?: Redis;
    minio: MinIO;
    backend: Backend;
    workers?: BrowserWorkerPool;
    ingress: Ingress;
    backup?: PostgresBackup;
}

export function compose(target: Target, config: QuorvexConfig): Composition {
    const protection = config.protection;
    const postgres = new Postgres("postgres", {
        target,
        image: config.images.postgres,
        resources: config.postgres.resources,
        storage: { sizeMiB: config.postgres.storageSize, storageClass: config.postgres.storageClass },
        database: config.postgres.database,
        user: config.postgres.user,
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
        livenessPath: config.backend.livenessPath,
        database: postgres.connectionFor("backend"),
        queue: redis?.connectionFor("backend"),
        objectStore: minio.connectionFor("backend"),
        bucket: config.minio.bucket,
        archive: config.archive,
        queueName: config.workers.queue.listName,
        secretKeyRotation: config.secrets.rotation.backend,
    });
    // In standard mode the pool is empty unless workers are asked to run beside the backend.
    const workers = redis
        ? new BrowserWorkerPool("workers", {
              target,
              image: config.images.worker,
              replicas: config.workers.replicas,
              autoscaling:
                  config.workers.autoscaler === "none"
                      ? undefined
                      : {
                            engine: config.workers.autoscaler,
                            min: config.workers.min,
                            max: config.workers.max,
                            targetCpuPercent: config.workers.targetCpuPercent,
                            queueLength: config.workers.queue.listLength,
                        },
              resources: config.workers.resources,
              shmMiB: config.workers.shm,
              terminationGracePeriodSeconds: config.workers.terminationGracePeriodSeconds,
              queueName: config.workers.queue.listName,
              queue: redis.connectionFor("workers"),
              objectStore: minio.connectionFor("workers"),
              bucket: config.minio.bucket,
              backend,
          })
        : undefined;
    const ingress = new Ingress("ingress", {
        target,
        host: config.ingress.host,
        tls: config.ingress.tls,
        backend,
        vnc: config.mode === "standard",
        maxBodySize: config.ingress.maxBodySize,
        timeoutSeconds: config.ingress.timeoutSeconds,
    });
    return { postgres, redis, minio, backend, workers, ingress, backup };
}
