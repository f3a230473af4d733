/** The browser workers' config section: the pool fed by the Redis job queue. */
import { z } from "zod";
import { ARTIFACT_ACCESS, AUTOSCALERS, image, int, list, memory, resources, httpPath } from "../../config/fields";
import { sizing } from "../../config/sizing";
import type { ServicePlugin } from "../plugin";

/** The environment every worker gets from the program (components/workers.ts, the image contract): no pool's `env` may set it. */
export const WORKER_OWN_ENV = [
    "REDIS_URL",
    "BROWSER_JOB_QUEUE",
    "BACKEND_URL",
    "MINIO_ENDPOINT",
    "MINIO_BUCKET",
    "MINIO_ACCESS_KEY",
    "MINIO_SECRET_KEY",
    "HEALTH_PORT",
    "WORKER_MAX_JOBS",
] as const;

/** Memory a browser container must keep above its /dev/shm. */
export const SHM_HEADROOM = "1Gi";

const listName = z.string().regex(/^[A-Za-z0-9:_.-]{1,128}$/, { error: "must be a Redis key name" });
/** Extra environment of a pool's workers, such as a filter of what they run: plain values (a secret has no place here). */
const env = z
    .record(
        z.string().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, { error: "must be an environment variable name (A-Z, 0-9, _)" }),
        z.string({ error: "must be a string" }).max(4096, { error: "must be at most 4096 characters" }),
        { error: "must be a map of environment variable names to strings" },
    )
    .refine((e) => Object.keys(e).length <= 32, { error: "must set at most 32 variables" });
/** The autoscalers a named pool may have: `keda-job` runs the tasks of the default pool's queue, not a pool. */
export const POOL_AUTOSCALERS = ["none", "hpa", "keda"] as const;
/** A named pool: each key left out takes the default pool's value (`queue.listName`: `<workers.queue.listName>-<name>`). */
const pool = z.strictObject({
    image: image.optional(),
    replicas: int(0, 1000).optional(),
    min: int(0, 1000).optional(),
    max: int(1, 1000).optional(),
    targetCpuPercent: int(1, 100).optional(),
    autoscaler: z.enum(POOL_AUTOSCALERS, { error: `must be ${list(POOL_AUTOSCALERS)} (keda-job runs the default pool's queue as tasks)` }).optional(),
    queue: z.strictObject({ listName: listName.optional(), listLength: int(1, 10000).optional() }).optional(),
    resources: resources.optional(),
    shm: memory.optional(),
    shmHeadroom: memory.optional(),
    terminationGracePeriodSeconds: int(0, 86400).optional(),
    artifactAccess: z.enum(ARTIFACT_ACCESS, { error: `must be ${list(ARTIFACT_ACCESS)}` }).optional(),
    env: env.optional(),
    metricsPath: z.union([httpPath, z.null()]).optional(),
});
/** A pool's name: a DNS label short enough for its objects' names (`workers-<name>-scaler`), and not one the default pool's objects use. */
const POOL_NAME = /^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$/;
const RESERVED_POOL_NAMES = ["scaler", "default"];

const section = z.strictObject({
    replicas: int(0, 1000),
    min: int(0, 1000),
    max: int(1, 1000),
    targetCpuPercent: int(1, 100),
    autoscaler: z.enum(AUTOSCALERS, { error: `must be ${list(AUTOSCALERS)}` }),
    queue: z.strictObject({ listName, listLength: int(1, 10000) }),
    resources,
    shm: memory,
    shmHeadroom: memory,
    terminationGracePeriodSeconds: int(0, 86400),
    artifactAccess: z.enum(ARTIFACT_ACCESS, { error: `must be ${list(ARTIFACT_ACCESS)}` }),
    env,
    metricsPath: z.union([httpPath, z.null()]),
    pools: z
        .record(z.string(), pool, { error: "must be a map of pool names to pools" })
        .refine((p) => Object.keys(p).length <= 16, { error: "must name at most 16 pools" }),
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
            env: {},
            // The image contract has no metrics endpoint: an image that serves one names it.
            metricsPath: null,
            pools: {},
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
            env: "Extra environment of the workers (name: string), such as a filter of what they run; not the variables the program sets (docs/images.md). Plain in state: no secrets.",
            metricsPath:
                "Path of Prometheus metrics the worker image serves on its health port (8001), if it serves any: Kubernetes scrapes it through a ServiceMonitor with `kubernetes.monitoring.enabled`; null: none.",
            pools: "More browser pools, by name (`workers-<name>`: their own Deployment or containers, Redis and MinIO users, autoscaler): each takes `image`, `replicas`, `min`, `max`, `targetCpuPercent`, `autoscaler` (`none`, `hpa`, `keda`), `queue.listName` (default `<queue.listName>-<name>`, each pool its own), `queue.listLength`, `resources`, `shm`, `shmHeadroom`, `terminationGracePeriodSeconds`, `artifactAccess`, `env` and `metricsPath`, each left out taking this pool's. docs/operations.md.",
        },
    },
    rules: (own, rule) => {
        for (const name of Object.keys(own.pools)) {
            if (!POOL_NAME.test(name)) rule(["pools", name], "must be named by a lowercase DNS label of at most 20 characters, starting with a letter");
            else if (RESERVED_POOL_NAMES.includes(name))
                rule(["pools", name], `must not be named ${list(RESERVED_POOL_NAMES)}: the default pool's objects use those names`);
        }
        const pools = poolsOf(own, "");
        for (const p of pools) {
            const at = (...path: string[]) => (p.key === null ? path : ["pools", p.key, ...path]);
            const key = (field: string) => `workers.${p.key === null ? "" : `pools.${p.key}.`}${field}`;
            if (p.min > p.max) rule(at("min"), `must not exceed ${key("max")} (${p.max})`);
            if ((p.autoscaler === "hpa" || p.autoscaler === "keda") && p.min < 1) rule(at("min"), "must be at least 1 with an autoscaler of the pool");
            if (p.resources.memory.limit - p.shm < p.shmHeadroom) {
                rule(
                    at("resources", "memory", "limit"),
                    `must leave at least ${p.shmHeadroom}Mi of headroom (${key("shmHeadroom")}) above ${key("shm")} (${p.shm}Mi): /dev/shm is charged to the container's memory`,
                );
            }
            // The default pool's requests are checked with every section's.
            if (p.key !== null && p.resources.memory.request > p.resources.memory.limit)
                rule(at("resources", "memory", "request"), `must not exceed ${key("resources.memory.limit")} (${p.resources.memory.limit}Mi)`);
            if (p.key !== null && p.resources.cpu.request > p.resources.cpu.limit)
                rule(at("resources", "cpu", "request"), `must not exceed ${key("resources.cpu.limit")} (${p.resources.cpu.limit}m)`);
            for (const name of Object.keys(p.env).filter((n) => (WORKER_OWN_ENV as readonly string[]).includes(n)))
                rule(at("env", name), `must not be set here: the program gives every worker ${name} (the image contract, docs/images.md)`);
            const first = pools.find((o) => o.queue.listName === p.queue.listName);
            if (first !== p)
                rule(
                    at("queue", "listName"),
                    `must differ from ${first!.key === null ? "workers.queue.listName" : `workers.pools.${first!.key}.queue.listName`} (${p.queue.listName}): each pool takes its own queue`,
                );
        }
    },
};

export type WorkersSection = z.output<typeof section>;

/** One browser pool, resolved: the default one (`key` null, objects named `workers`) or a named one (`workers-<key>`). */
export interface Pool {
    key: string | null;
    /** Its objects' name: its Deployment or containers, its Redis and MinIO users. */
    role: string;
    image: string;
    replicas: number;
    min: number;
    max: number;
    targetCpuPercent: number;
    autoscaler: WorkersSection["autoscaler"];
    queue: WorkersSection["queue"];
    resources: WorkersSection["resources"];
    shm: number;
    shmHeadroom: number;
    terminationGracePeriodSeconds: number;
    artifactAccess: WorkersSection["artifactAccess"];
    env: Record<string, string>;
    metricsPath: string | null;
}

/** The pools of a workers section, the default one first: a named pool's keys left out take the default pool's values. */
export function poolsOf(w: WorkersSection, defaultImage: string): Pool[] {
    const { pools, ...base } = w;
    const first: Pool = { ...base, key: null, role: "workers", image: defaultImage };
    return [
        first,
        ...Object.entries(pools).map(
            ([key, p]): Pool => ({
                key,
                role: `workers-${key}`,
                image: p.image ?? defaultImage,
                replicas: p.replicas ?? base.replicas,
                min: p.min ?? base.min,
                max: p.max ?? base.max,
                targetCpuPercent: p.targetCpuPercent ?? base.targetCpuPercent,
                autoscaler: p.autoscaler ?? (base.autoscaler === "keda-job" ? "none" : base.autoscaler),
                queue: { listName: p.queue?.listName ?? `${base.queue.listName}-${key}`, listLength: p.queue?.listLength ?? base.queue.listLength },
                resources: p.resources ?? base.resources,
                shm: p.shm ?? base.shm,
                shmHeadroom: p.shmHeadroom ?? base.shmHeadroom,
                terminationGracePeriodSeconds: p.terminationGracePeriodSeconds ?? base.terminationGracePeriodSeconds,
                artifactAccess: p.artifactAccess ?? base.artifactAccess,
                env: p.env ?? base.env,
                metricsPath: p.metricsPath === undefined ? base.metricsPath : p.metricsPath,
            }),
        ),
    ];
}
