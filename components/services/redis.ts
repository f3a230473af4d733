/** Redis's config section: the job queue, its volume and the workers' extra keys. */
import { z } from "zod";
import { bool, int, redisKeyPattern, resources, storage, storageClass } from "../../config/fields";
import { sizing } from "../../config/sizing";
import type { ServicePlugin } from "../plugin";

const section = z.strictObject({
    enabled: bool,
    resources,
    storageSize: storage,
    storageClass,
    maxmemoryPercent: int(10, 95),
    workerExtraKeys: z.array(redisKeyPattern, { error: "must be a list of Redis key patterns" }).max(32, { error: "must list at most 32 patterns" }),
});

export const redis: ServicePlugin<"redis", typeof section> = {
    name: "redis",
    description: "the job queue",
    config: {
        schema: section,
        // cluster: the seed's Redis pod (64Mi requested, 256Mi at most).
        defaults: {
            enabled: true,
            resources: sizing("100m", "500m", "64Mi", "256Mi"),
            storageSize: "5Gi",
            storageClass: null,
            maxmemoryPercent: 75,
            workerExtraKeys: [],
        },
        // singleHost: the seed's 1.5GB.
        sizing: (table) => (table === "singleHost" ? { resources: sizing("250m", "1", "256Mi", "1536Mi") } : {}),
        docs: {
            enabled: "Run Redis. Required in workers mode and whenever workers run.",
            storageSize: "Redis volume size (AOF).",
            storageClass: "Storage class of the Redis PVC.",
            workerExtraKeys:
                "Key patterns the workers' ACL user may use besides the queue list and `<queue>:*` (the worker image's contract, docs/images.md); never `*`.",
            maxmemoryPercent:
                "`maxmemory` as a share of the Redis memory limit (with `noeviction`, Redis refuses writes rather than being killed or dropping jobs).",
        },
    },
};
