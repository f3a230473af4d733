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

export function compose(target: Target, c: QuorvexConfig): Composition {
    const protection = c.protection;
    const postgres = new Postgres("postgres", {
        target,
        image: c.images.postgres,
        resources: c.postgres.resources,
        storage: { sizeMiB: c.postgres.storageSize, storageClass: c.postgres.storageClass },
        database: c.postgres.database,
        user: c.postgres.user,
        protection,
        passwordRotation: c.secrets.rotation.postgres,
    });
    const redis = c.redis.enabled
        ? new Redis("redis", {
              target,
              image: c.images.redis,
              resources: c.redis.resources,
              storage: { sizeMiB: c.redis.storageSize, storageClass: c.redis.storageClass },
              maxmemoryPercent: c.redis.maxmemoryPercent,
              protection,
              passwordRotation: c.secrets.rotation.redis,
          })
        : undefined;
    const minio = new MinIO("minio", {
        target,
        image: c.images.minio,
        clientImage: c.images.minioClient,
        resources: c.minio.resources,
        storage: { sizeMiB: c.minio.storageSize, storageClass: c.minio.storageClass },
        buckets: [
            // Artifacts reach MinIO after the hot days and are deleted at the total.
            { name: c.minio.bucket, expireDays: c.archive.totalDays - c.archive.hotDays },
            // Database dumps (the CronJob, or `npm run backup:docker`) expire after the retention.
            { name: c.backup.bucket, expireDays: c.backup.retentionDays },
        ],
        protection,
        secretKeyRotation: c.secrets.rotation.minio,
    });
    const backup = c.backup.enabled
        ? new PostgresBackup("postgres-backup", {
              target,
              database: postgres.connectionFor("postgres-backup"),
              objectStore: minio.connectionFor("postgres-backup"),
              postgresImage: c.images.postgres,
              clientImage: c.images.minioClient,
              schedule: c.backup.schedule,
              bucket: c.backup.bucket,
          })
        : undefined;
    const backend = new Backend("backend", {
        target,
        image: c.images.backend,
        mode: c.mode,
        replicas: c.backend.replicas,
        port: c.backend.port,
        vncPort: c.backend.vncPort,
        resources: c.backend.resources,
        shmMiB: c.backend.shm,
        readinessPath: c.backend.readinessPath,
        livenessPath: c.backend.livenessPath,
        database: postgres.connectionFor("backend"),
        queue: redis?.connectionFor("backend"),
        objectStore: minio.connectionFor("backend"),
        bucket: c.minio.bucket,
        archive: c.archive,
        queueName: c.workers.queue.listName,
        secretKeyRotation: c.secrets.rotation.backend,
    });
    // In standard mode the pool is empty unless workers are asked to run beside the backend.
    const workers = redis
        ? new BrowserWorkerPool("workers", {
              target,
              image: c.images.worker,
              replicas: c.workers.replicas,
              autoscaling:
                  c.workers.autoscaler === "none"
                      ? undefined
                      : {
                            engine: c.workers.autoscaler,
                            min: c.workers.min,
                            max: c.workers.max,
                            targetCpuPercent: c.workers.targetCpuPercent,
                            queueLength: c.workers.queue.listLength,
                        },
              resources: c.workers.resources,
              shmMiB: c.workers.shm,
              terminationGracePeriodSeconds: c.workers.terminationGracePeriodSeconds,
              queueName: c.workers.queue.listName,
              queue: redis.connectionFor("workers"),
              objectStore: minio.connectionFor("workers"),
              bucket: c.minio.bucket,
              backend,
          })
        : undefined;
    const ingress = new Ingress("ingress", {
        target,
        host: c.ingress.host,
        tls: c.ingress.tls,
        backend,
        vnc: c.mode === "standard",
        maxBodySize: c.ingress.maxBodySize,
        timeoutSeconds: c.ingress.timeoutSeconds,
    });
    return { postgres, redis, minio, backend, workers, ingress, backup };
}
