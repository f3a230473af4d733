/** The browser workers' config section: the pool fed by the Redis job queue. */
import { z } from "zod";
import { ARTIFACT_ACCESS, AUTOSCALERS, int, list, memory, resources } from "../../config/fields";
import { sizing } from "../../config/sizing";
import type { ServicePlugin } from "../plugin";

/** Memory a browser container must keep above its /dev/shm. */
export const SHM_HEADROOM = "1Gi";

const section = z.strictObject({
    replicas: int(0, 1000),
    min: int(0, 1000),
    max: int(1, 1000),
    targetCpuPercent: int(1, 100),
    autoscaler: z.enum(AUTOSCALERS, { error: `must be ${list(AUTOSCALERS)}` }),
    queue: z.strictObject({
        listName: z.string().regex(/^[A-Za-z0-9:_.-]{1,128}$/, { error: "must be a Redis key name" }),
        listLength: int(1, 10000),
    }),
    resources,
    shm: memory,
    shmHeadroom: memory,
    terminationGracePeriodSeconds: int(0, 86400),
    artifactAccess: z.enum(ARTIFACT_ACCESS, { error: `must be ${list(ARTIFACT_ACCESS)}` }),
});

export const workers: ServicePlugin<"workers", typeof section> = {
    name: "workers",
    description: "the browser workers",
    config: {
        schema: section,
        defaults: {
            replicas: 2,
            min: 2,
            max: 20,
            targetCpuPercent: 70,
            autoscaler: "none",
            queue: { listName: "browser-jobs", listLength: 5 },
            // cluster: the seed's worker pod (2 CPU, 2Gi at most) + its 1Gi /dev/shm, which the
            // memory limit is charged for: 3Gi.
            resources: sizing("1", "2", "1Gi", "3Gi"),
            shm: "1Gi",
            shmHeadroom: SHM_HEADROOM,
            terminationGracePeriodSeconds: 600,
            artifactAccess: "write",
        },
        sizing: (table, mode) =>
            table === "singleHost"
                ? {
                      // Standard mode: the backend runs the browsers; workers may run alongside (seed: "run one
                      // standard container for VNC debugging alongside worker containers"). Seed: 2GB each, 2-8.
                      replicas: mode === "standard" ? 0 : 2,
                      resources: sizing("1", "2", "1Gi", "2Gi"),
                  }
                : {},
        docs: {
            replicas:
                "Browser workers on Docker (in standard mode, workers beside the backend; above 8 a warning). On Kubernetes without autoscaler (or with `keda-job`, which leaves this pool alone), the fixed count.",
            min: "Autoscaler minimum (Kubernetes). With `keda-job`, the task Jobs kept waiting (0: none while the queue is empty).",
            max: "Autoscaler maximum (Kubernetes). With `keda-job`, the most task Jobs at once (within `tasks.quota.pods`).",
            targetCpuPercent: "Average CPU the autoscaler aims at.",
            autoscaler:
                "`hpa` (autoscaling/v2, CPU), `keda` (ScaledObject with cpu + Redis list triggers), `keda-job` (a ScaledJob that runs one task Job per queued job in the tasks namespace, docs/tasks.md; needs `tasks.enabled`), or `none`. Docker: `none`.",
            "queue.listName": "Redis list of the browser job queue (KEDA trigger and env of backend and workers).",
            "queue.listLength": "KEDA: queued jobs per worker before scaling up.",
            shm: "/dev/shm per worker (Memory emptyDir on Kubernetes, `shmSize` on Docker); charged to the memory limit.",
            shmHeadroom: "Memory each worker keeps above its /dev/shm; the limit must be at least shm + this.",
            terminationGracePeriodSeconds: "Time a stopping worker gets to finish its browser job.",
            artifactAccess:
                "What the workers' MinIO user may do in the artifact bucket: `write` (put only) or `readWrite` (get and put); never delete or list.",
        },
    },
    rules: (own, rule) => {
        if (own.min > own.max) rule(["min"], `must not exceed workers.max (${own.max})`);
        if ((own.autoscaler === "hpa" || own.autoscaler === "keda") && own.min < 1) rule(["min"], "must be at least 1 with an autoscaler of the pool");
        if (own.resources.memory.limit - own.shm < own.shmHeadroom) {
            rule(
                ["resources", "memory", "limit"],
                `must leave at least ${own.shmHeadroom}Mi of headroom (workers.shmHeadroom) above workers.shm (${own.shm}Mi): /dev/shm is charged to the container's memory`,
            );
        }
    },
};
