import * as pulumi from "@pulumi/pulumi";
import type { QuorvexConfig } from "../config/schema";
import { CONTRACT_VERSION, type StackOutputs } from "../contract/outputs";
import { OTHER_TEAMS, type Composition } from "./compose";

type Outputs = { [K in keyof StackOutputs]: pulumi.Input<StackOutputs[K]> };

/** The stack outputs, exactly the contract's names, secrets marked secret; the credentials are other teams' own, read-only. */
export function stackOutputs(stack: string, config: QuorvexConfig, namespace: string | null, parts: Composition): Outputs {
    const { postgres, redis, minio, backend, workers, ingress, tasks } = parts;
    const db = postgres.roleCredential(OTHER_TEAMS);
    const store = minio.userCredential(OTHER_TEAMS);
    return {
        contractVersion: CONTRACT_VERSION,
        stack,
        target: config.target,
        mode: config.mode,
        namespace,
        backendUrl: ingress.url,
        backendInternalUrl: backend.internalUrl,
        ingressHost: config.ingress.host,
        routeKind: ingress.kind,
        postgresHost: postgres.host,
        postgresPort: postgres.port,
        postgresDatabase: postgres.database,
        postgresUser: db.user,
        postgresPassword: pulumi.secret(db.password),
        databaseUrl: pulumi.secret(db.url),
        redisHost: redis ? redis.host : null,
        redisPort: redis ? redis.port : null,
        redisUrl: redis ? pulumi.secret(redis.userUrl(OTHER_TEAMS)) : null,
        minioEndpoint: minio.endpoint,
        minioBucket: config.minio.bucket,
        minioAccessKey: pulumi.secret(store.accessKey),
        minioSecretKey: pulumi.secret(store.secretKey),
        workerPoolName: workers ? "workers" : null,
        workerPoolMinReplicas: workers ? workers.replicas.min : null,
        workerPoolMaxReplicas: workers ? workers.replicas.max : null,
        browserJobQueue: redis ? config.workers.queue.listName : null,
        workerPools: parts.pools.map((p) => ({
            name: p.pool.role,
            queue: p.pool.queue.listName,
            minReplicas: p.workers.replicas.min,
            maxReplicas: p.workers.replicas.max,
        })),
        archiveHotDays: config.archive.hotDays,
        archiveTotalDays: config.archive.totalDays,
        tasksNamespace: tasks ? tasks.handle.namespace : null,
        taskTemplate: tasks ? tasks.handle.template : null,
    };
}
