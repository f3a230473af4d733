import * as pulumi from "@pulumi/pulumi";
import { scraped, type EnvValue, type Target, type ResourceBudget, type ServiceHandle } from "../targets/contract";
import { APP_USER, type Backend } from "./backend";
import type { ObjectStoreConnection, QueueConnection } from "./connections";

export interface BrowserWorkerPoolArgs {
    target: Target;
    image: string;
    /** Fixed count (Docker, or Kubernetes without autoscaler); the starting count otherwise. */
    replicas: number;
    autoscaling?: { engine: "hpa" | "keda"; min: number; max: number; targetCpuPercent: number; queueLength: number };
    resources: ResourceBudget;
    /** /dev/shm in MiB; charged to the memory limit. */
    shmMiB: number;
    /** Time a worker gets to finish its running browser job when stopped. */
    terminationGracePeriodSeconds: number;
    queueName: string;
    queue: QueueConnection;
    /** KEDA's own Redis user (it reads the queue's length): required with the keda engine. */
    scaler?: QueueConnection;
    objectStore: ObjectStoreConnection;
    bucket: string;
    backend: Backend;
    /** Extra environment (the pool's `env`). @default {} */
    env?: Record<string, string>;
    /** A named pool's name (placement per pool); null or left out: the default pool. */
    poolKey?: string | null;
    /** Where the image serves Prometheus metrics on its health port; null: nowhere. */
    metricsPath: string | null;
}

/** The worker's health server (the worker image's contract). */
export const WORKER_HEALTH_PORT = 8001;
/** On the health server: stop taking jobs, answer once the job in hand is done (the worker image's contract). */
export const WORKER_DRAIN_PATH = "/drain";
/** A worker given N takes N jobs and exits 0, and exits 0 at once when it finds the queue empty (the worker image's contract). */
export const WORKER_MAX_JOBS = "WORKER_MAX_JOBS";

/** What a worker (a pool member or an ephemeral task) is told: its queue and its store, as its own users, and the backend. */
export function workerEnv(a: {
    queue: QueueConnection;
    queueName: string;
    backend: Backend;
    store: ObjectStoreConnection;
    bucket: string;
}): Record<string, EnvValue> {
    return {
        REDIS_URL: a.queue.url,
        BROWSER_JOB_QUEUE: a.queueName,
        BACKEND_URL: a.backend.internalUrl,
        MINIO_ENDPOINT: a.store.endpoint,
        MINIO_BUCKET: a.bucket,
        MINIO_ACCESS_KEY: a.store.accessKey,
        MINIO_SECRET_KEY: a.store.secretKey,
        HEALTH_PORT: String(WORKER_HEALTH_PORT),
    };
}

/** Playwright browser workers that take jobs from the Redis queue. */
export class BrowserWorkerPool extends pulumi.ComponentResource {
    public readonly service: ServiceHandle;
    public readonly replicas: { min: number; max: number };

    constructor(name: string, args: BrowserWorkerPoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("quorvex:platform:BrowserWorkerPool", name, {}, opts);
        const { target, queue, scaler, objectStore: store, backend } = args;
        const auto = args.autoscaling;
        if (auto?.engine === "keda" && !scaler) throw new Error(`BrowserWorkerPool ${name}: KEDA autoscaling needs the scaler's Redis user`);
        if (auto && auto.min > auto.max) {
            throw new Error(`BrowserWorkerPool ${name}: autoscaling min ${auto.min} exceeds max ${auto.max}`);
        }
        if (args.shmMiB >= args.resources.memory.limit) {
            throw new Error(`BrowserWorkerPool ${name}: /dev/shm ${args.shmMiB}Mi must stay below the memory limit ${args.resources.memory.limit}Mi`);
        }
        this.replicas = auto ? { min: auto.min, max: auto.max } : { min: args.replicas, max: args.replicas };
        this.service = target.statelessService(
            {
                role: name,
                component: "browser-worker",
                ...(args.poolKey ? { browserPool: args.poolKey } : {}),
                image: args.image,
                env: { ...args.env, ...workerEnv({ queue, queueName: args.queueName, backend, store, bucket: args.bucket }) },
                resources: args.resources,
                shmMiB: args.shmMiB,
                runsBrowsers: true,
                user: APP_USER,
                readOnlyRootFilesystem: false,
                connectsTo: [queue.service, store.service, backend.service],
                // The sites under test, on the ports the target lets browsers reach.
                internetEgress: "browsing",
                ports: [{ name: "health", port: WORKER_HEALTH_PORT, ...scraped(args.metricsPath) }],
                health: {
                    readiness: { http: { path: "/health/ready", port: WORKER_HEALTH_PORT } },
                    liveness: { http: { path: "/health/live", port: WORKER_HEALTH_PORT } },
                    startupSeconds: 30,
                },
                waitFor: [queue.service, backend.service],
                replicas: auto ? auto.min : args.replicas,
                pool: true,
                // A node drain or upgrade takes busy workers one at a time.
                maxUnavailable: 1,
                autoscaling: auto && {
                    engine: auto.engine,
                    min: auto.min,
                    max: auto.max,
                    targetCpuPercent: auto.targetCpuPercent,
                    queue:
                        auto.engine === "keda" && scaler
                            ? {
                                  service: scaler.service,
                                  port: scaler.portName,
                                  listName: args.queueName,
                                  listLength: auto.queueLength,
                                  username: scaler.username,
                                  password: scaler.password,
                              }
                            : undefined,
                },
                terminationGracePeriodSeconds: args.terminationGracePeriodSeconds,
                // Asked to finish the browser job in hand before it is stopped (the image contract, docs/images.md).
                drain: { http: { path: WORKER_DRAIN_PATH, port: WORKER_HEALTH_PORT } },
            },
            { parent: this },
        );
        this.registerOutputs({ min: this.replicas.min, max: this.replicas.max });
    }
}
