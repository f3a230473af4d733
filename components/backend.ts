import * as pulumi from "@pulumi/pulumi";
import { generatedSecret } from "./credentials";
import { scraped, type EnvValue, type Target, type ResourceBudget, type ServiceHandle, type TaskHandle } from "../targets/contract";
import type { DatabaseConnection, ObjectStoreConnection, QueueConnection } from "./connections";

export interface BackendArgs {
    target: Target;
    image: string;
    /**
     * standard: the backend runs the browsers itself and serves VNC (Docker only);
     * workers: a slim API that queues browser jobs on Redis.
     */
    mode: "standard" | "workers";
    replicas: number;
    port: number;
    vncPort: number;
    resources: ResourceBudget;
    /** /dev/shm in MiB for the browsers of standard mode. */
    shmMiB: number;
    readinessPath: string;
    livenessPath: string;
    /** Where the image serves Prometheus metrics on its HTTP port; null: nowhere. */
    metricsPath: string | null;
    /** The application's role: reads and writes rows. */
    database: DatabaseConnection;
    /** The migration's role: owns the schema. */
    migration: DatabaseConnection;
    /** The browser job queue: required in workers mode. */
    queue?: QueueConnection;
    objectStore: ObjectStoreConnection;
    bucket: string;
    archive: { hotDays: number; totalDays: number };
    queueName: string;
    /** Each named pool's queue, by pool name (the default pool's is `queueName`). @default {} */
    poolQueues?: Record<string, string>;
    /** Change to generate a new application secret key. @default "0" */
    secretKeyRotation?: string;
    /** It runs the task controller (ephemeral browser tasks): it talks to the cluster's API. @default false */
    taskController?: boolean;
    /** The entry check polls its readiness through the way in after each change (`ingress.check.enabled`). @default false */
    checkedThroughEntry?: boolean;
}

/** The uid of the application images. */
export const APP_USER = { uid: 1000, gid: 1000 };

/**
 * The API server. Its database migration (`alembic upgrade head`, with the
 * backend image) runs once per image, and the backend starts only after it
 * succeeded and Postgres, Redis and MinIO are healthy.
 */
export class Backend extends pulumi.ComponentResource {
    public readonly service: ServiceHandle;
    public readonly migration: TaskHandle;
    /** `http://host:port` inside the platform's network. */
    public readonly internalUrl: string;
    public readonly host: string;
    public readonly port: number;

    constructor(name: string, args: BackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("quorvex:platform:Backend", name, {}, opts);
        if (args.mode === "workers" && !args.queue) {
            throw new Error(`Backend ${name}: workers mode needs Redis (the browser job queue)`);
        }
        const { target, database: db, migration: owner, queue, objectStore: store } = args;
        const appKey = generatedSecret(`${name}-secret-key`, 48, args.secretKeyRotation, this);
        const secrets = target.secret(name, { SECRET_KEY: appKey }, { parent: this, version: args.secretKeyRotation ?? "0" });

        const connection = (c: DatabaseConnection): Record<string, EnvValue> => ({
            DATABASE_URL: c.url,
            POSTGRES_HOST: c.host,
            POSTGRES_PORT: String(c.port),
            POSTGRES_DB: c.database,
            POSTGRES_USER: c.user,
            POSTGRES_PASSWORD: c.password,
        });
        // The migration connects as the schema's owner; the API, below, as a role that only reads and writes rows.
        this.migration = target.task(
            {
                role: `${name}-migrate`,
                component: "backend",
                image: args.image,
                command: ["alembic", "upgrade", "head"],
                env: connection(owner),
                resources: { cpu: { request: 250, limit: 1000 }, memory: { request: 256, limit: 1024 } },
                user: APP_USER,
                readOnlyRootFilesystem: false,
                connectsTo: [owner.service],
                waitFor: [owner.service],
                after: owner.setup,
                runKey: args.image,
            },
            { parent: this },
        );

        const env: Record<string, EnvValue> = {
            ...connection(db),
            SECRET_KEY: { secret: secrets, key: "SECRET_KEY" },
            EXECUTION_MODE: args.mode,
            MINIO_ENDPOINT: store.endpoint,
            MINIO_BUCKET: args.bucket,
            MINIO_ACCESS_KEY: store.accessKey,
            MINIO_SECRET_KEY: store.secretKey,
            ARCHIVE_HOT_DAYS: String(args.archive.hotDays),
            ARCHIVE_TOTAL_DAYS: String(args.archive.totalDays),
            PORT: String(args.port),
        };
        if (queue) {
            env.REDIS_URL = queue.url;
            env.REDIS_HOST = queue.host;
            env.REDIS_PORT = String(queue.port);
            env.BROWSER_JOB_QUEUE = args.queueName;
            // A job for a named pool goes on that pool's list (the image contract, docs/images.md).
            if (Object.keys(args.poolQueues ?? {}).length) env.BROWSER_POOL_QUEUES = JSON.stringify(args.poolQueues);
        }
        const standard = args.mode === "standard";
        if (standard) {
            env.VNC_ENABLED = "true";
            env.VNC_WEBSOCKET_PORT = String(args.vncPort);
        }
        const dataServices = [db.service, store.service, ...(queue ? [queue.service] : [])];
        this.service = target.statelessService(
            {
                role: name,
                component: "backend",
                image: args.image,
                env,
                resources: args.resources,
                shmMiB: standard ? args.shmMiB : undefined,
                runsBrowsers: standard,
                user: APP_USER,
                // The application image writes its hot artifact tier and browser profiles in its own tree.
                readOnlyRootFilesystem: false,
                connectsTo: dataServices,
                internetEgress: { ports: [443] },
                ports: [
                    { name: "http", port: args.port, ...scraped(args.metricsPath) },
                    // VNC (websockify) is never published on the host: only the proxy reaches it.
                    ...(standard ? [{ name: "vnc", port: args.vncPort }] : []),
                ],
                health: {
                    readiness: { http: { path: args.readinessPath, port: args.port } },
                    liveness: { http: { path: args.livenessPath, port: args.port } },
                    startupSeconds: 60,
                },
                exposedToIngress: true,
                apiAccess: args.taskController === true ? true : undefined,
                after: [this.migration, ...db.setup, ...store.setup],
                waitFor: dataServices,
                awaitedByConsumers: args.checkedThroughEntry,
                replicas: args.replicas,
                minAvailable: args.replicas > 1 ? args.replicas - 1 : undefined,
                terminationGracePeriodSeconds: 60,
                // A rolling update drops no request: ingress-nginx still routes to a stopping pod for a moment.
                drain: { pauseSeconds: 10 },
            },
            { parent: this },
        );
        this.host = this.service.host;
        this.port = args.port;
        this.internalUrl = `http://${this.host}:${this.port}`;
        this.registerOutputs({ internalUrl: this.internalUrl });
    }
}
