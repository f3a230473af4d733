/**
 * Ephemeral browser tasks (the platform's Phase 3): the backend's task
 * controller runs each task as a Job in a namespace of its own, inside a quota,
 * from a published template, and the cluster itself refuses a pod that breaks
 * the pack's memory and shm rules. Opt-in; on a target with task namespaces.
 */
import { z } from "zod";
import { bool, cpu, dnsLabel, int, memory, resources, storage } from "../../config/fields";
import { sizing } from "../../config/sizing";
import type { ServicePlugin } from "../plugin";

const section = z.strictObject({
    enabled: bool,
    namespace: dnsLabel,
    /** What every task pod gets (the template). */
    resources,
    shm: memory,
    /** Scratch disk of each task (its container's ephemeral-storage request and limit). */
    ephemeralStorage: storage,
    activeDeadlineSeconds: int(60, 86400),
    ttlSecondsAfterFinished: int(0, 604800),
    backoffLimit: int(0, 10),
    /** What the namespace holds at most, all tasks together. */
    quota: z.strictObject({ pods: int(1, 10000), cpu, memory, ephemeralStorage: storage }),
});

export const tasks: ServicePlugin<"tasks", typeof section> = {
    name: "tasks",
    description: "ephemeral browser tasks",
    config: {
        schema: section,
        defaults: {
            enabled: false,
            namespace: "playwright-tasks",
            // A worker's size (the seed's worker pod + its 1Gi /dev/shm).
            resources: sizing("1", "2", "1Gi", "3Gi"),
            shm: "1Gi",
            // A twentieth of the quota's scratch disk.
            ephemeralStorage: "5Gi",
            activeDeadlineSeconds: 3600,
            ttlSecondsAfterFinished: 600,
            backoffLimit: 0,
            // Twenty worker-sized tasks at once.
            quota: { pods: 20, cpu: "40", memory: "60Gi", ephemeralStorage: "100Gi" },
        },
        docs: {
            enabled:
                "Kubernetes: a namespace of its own where the backend's task controller runs each browser task as a Job from the published template (docs/tasks.md), inside a quota, with the pack's memory and shm rules enforced by the API server.",
            namespace: "The tasks namespace (not the platform's, `default` or `kube-*`).",
            shm: "/dev/shm of every task pod (a Memory emptyDir, charged to its memory limit).",
            ephemeralStorage:
                "Scratch disk of each task: its container's ephemeral-storage request and limit (the namespace's LimitRange sets it: a pod that names no scratch disk counts as none against `tasks.quota.ephemeralStorage`, which would then bound nothing).",
            activeDeadlineSeconds: "A task running longer is stopped (the Job's `activeDeadlineSeconds`).",
            ttlSecondsAfterFinished: "A finished task's Job and pod are deleted this long after it ends.",
            backoffLimit: "Retries of a failed task (0: a browser task is not retried blindly).",
            "quota.pods": "At most this many task pods at once.",
            "quota.cpu": "CPU the tasks may request and be limited to, all together.",
            "quota.memory": "Memory the tasks may request and be limited to, all together.",
            "quota.ephemeralStorage": "Scratch disk the tasks may use, all together.",
        },
    },
    rules: (own, rule) => {
        if (own.resources.memory.limit - own.shm < 1024) {
            rule(["resources", "memory", "limit"], `must leave at least 1024Mi above tasks.shm (${own.shm}Mi): /dev/shm is charged to the task's memory`);
        }
        if (own.resources.memory.limit > own.quota.memory)
            rule(["quota", "memory"], `must hold at least one task (tasks.resources.memory.limit ${own.resources.memory.limit}Mi)`);
        if (own.ephemeralStorage > own.quota.ephemeralStorage)
            rule(["quota", "ephemeralStorage"], `must hold at least one task (tasks.ephemeralStorage ${own.ephemeralStorage}Mi)`);
        if (own.resources.cpu.limit > own.quota.cpu)
            rule(["quota", "cpu"], `must hold at least one task (tasks.resources.cpu.limit ${own.resources.cpu.limit}m)`);
    },
};
