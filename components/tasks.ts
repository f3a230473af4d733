import * as pulumi from "@pulumi/pulumi";
import { admissionThresholds } from "../policies/admission";
import type { ResourceBudget, Target, TasksHandle } from "../targets/contract";
import { APP_USER, type Backend } from "./backend";
import type { ObjectStoreConnection, QueueConnection } from "./connections";
import { WORKER_DRAIN_PATH, WORKER_HEALTH_PORT, WORKER_MAX_JOBS, workerEnv } from "./workers";

export interface BrowserTasksArgs {
    target: Target;
    namespace: string;
    image: string;
    resources: ResourceBudget;
    shmMiB: number;
    /** Scratch disk of each task, in MiB. */
    ephemeralStorageMiB: number;
    job: { activeDeadlineSeconds: number; ttlSecondsAfterFinished: number; backoffLimit: number };
    /** CPU in millicores, memory and scratch disk in MiB. */
    quota: { pods: number; cpu: number; memory: number; ephemeralStorage: number };
    queueName: string;
    /** The tasks' own Redis and MinIO users. */
    queue: QueueConnection;
    objectStore: ObjectStoreConnection;
    bucket: string;
    /** KEDA runs a task Job per queued job (`workers.autoscaler: keda-job`), reading the queue's length as the scaler's own Redis user. */
    scaling?: { min: number; max: number; scaler: QueueConnection };
    /** The task controller (it creates the Jobs) and what the tasks report to. */
    backend: Backend;
}

/**
 * Ephemeral browser tasks (the platform's Phase 3): the backend's task controller runs each
 * task as a Job, from the template published here, in a namespace of their own. A task is a
 * worker that takes one job: the worker image with its own queue and store users.
 */
export class BrowserTasks extends pulumi.ComponentResource {
    public readonly handle: TasksHandle;

    constructor(name: string, args: BrowserTasksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("quorvex:platform:BrowserTasks", name, {}, opts);
        const { target } = args;
        if (!target.tasks) throw new Error(`BrowserTasks ${name}: the target gives tasks no namespace of their own`);
        this.handle = target.tasks(
            {
                namespace: args.namespace,
                controller: args.backend.service,
                template: {
                    role: "browser-task",
                    component: "browser-task",
                    image: args.image,
                    env: {
                        ...workerEnv({ queue: args.queue, queueName: args.queueName, backend: args.backend, store: args.objectStore, bucket: args.bucket }),
                        // A task takes one job and exits (at once, successfully, when it finds the queue empty).
                        [WORKER_MAX_JOBS]: "1",
                    },
                    resources: args.resources,
                    shmMiB: args.shmMiB,
                    runsBrowsers: true,
                    user: APP_USER,
                    readOnlyRootFilesystem: false,
                    connectsTo: [args.queue.service, args.objectStore.service, args.backend.service],
                    internetEgress: "browsing",
                    terminationGracePeriodSeconds: 60,
                    drain: { http: { path: WORKER_DRAIN_PATH, port: WORKER_HEALTH_PORT } },
                },
                ephemeralStorageMiB: args.ephemeralStorageMiB,
                job: args.job,
                quota: args.quota,
                scaling: args.scaling && {
                    min: args.scaling.min,
                    max: args.scaling.max,
                    queue: {
                        service: args.scaling.scaler.service,
                        port: args.scaling.scaler.portName,
                        listName: args.queueName,
                        // A task takes one job: one Job per queued job.
                        listLength: 1,
                        username: args.scaling.scaler.username,
                        password: args.scaling.scaler.password,
                    },
                },
                // The pack's own thresholds (its policies' defaults): the API server enforces what the pack checks.
                admission: admissionThresholds(),
            },
            { parent: this },
        );
        this.registerOutputs({ namespace: this.handle.namespace, template: this.handle.template });
    }
}
