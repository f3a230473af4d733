/**
 * The one schema of the stack config (namespace `quorvex`): the shared keys
 * here, each registered target's own section from its plug-in.
 *
 * Every key is required here: `resolveConfig` lays the user's values over the
 * defaults first (`defaultsFor`), so a missing key takes its default and an
 * unknown key (a typo) is an error, never a silent fallback. Memory is parsed
 * to MiB and CPU to millicores. What a target can do is asked of its
 * capabilities, never of its name.
 */
import { z } from "zod";
import { TARGETS, targetNamed, type TargetName, type TargetSections } from "../targets/registry";
import type { TargetPlugin } from "../targets/plugin";
import { defaultsOf, type Raw } from "./defaults";
import {
    ARTIFACT_ACCESS,
    AUTOSCALERS,
    bool,
    bucket,
    cronSchedule,
    databaseName,
    hostname,
    httpPath,
    image,
    int,
    memory,
    MODES,
    port,
    redisKeyPattern,
    registryHost,
    resources,
    roleBase,
    rotation,
    storage,
    storageClass,
    tls,
    dnsLabel,
    dnsSubdomain,
    type Mode,
} from "./fields";

export { cpu, MAX_MEMORY, MAX_STORAGE, memory, MODES, storage, type Mode } from "./fields";

/** `a`, `a or b`, `a, b or c`. */
const list = (xs: readonly string[]) => (xs.length < 2 ? xs.join("") : `${xs.slice(0, -1).join(", ")} or ${xs[xs.length - 1]}`);

/** The keys every target shares, and their value types. */
const shared = {
    images: z.strictObject({
        backend: image,
        worker: image,
        postgres: image,
        redis: image,
        minio: image,
        minioClient: image,
        proxy: image,
    }),
    registry: z.strictObject({
        mirror: z.union([registryHost, z.null()]),
        pullSecrets: z.array(dnsSubdomain, { error: "must be a list of Secret names" }).max(16, { error: "must list at most 16 Secrets" }),
        auth: z
            .array(
                z.strictObject({
                    address: registryHost,
                    username: z.string().min(1, { error: "must be a user name" }).max(256),
                    password: z.string().min(1, { error: "must be a password or token (set it with --secret)" }).max(4096),
                }),
                { error: "must be a list of {address, username, password}" },
            )
            .max(16, { error: "must list at most 16 registries" }),
    }),
    backend: z.strictObject({
        replicas: int(1, 50),
        port,
        vncPort: port,
        resources,
        shm: memory,
        readinessPath: httpPath,
        livenessPath: httpPath,
    }),
    workers: z.strictObject({
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
    }),
    postgres: z.strictObject({
        resources,
        storageSize: storage,
        storageClass,
        database: databaseName,
        user: roleBase,
    }),
    redis: z.strictObject({
        enabled: bool,
        resources,
        storageSize: storage,
        storageClass,
        maxmemoryPercent: int(10, 95),
        workerExtraKeys: z.array(redisKeyPattern, { error: "must be a list of Redis key patterns" }).max(32, { error: "must list at most 32 patterns" }),
    }),
    minio: z.strictObject({
        resources,
        storageSize: storage,
        storageClass,
        bucket,
    }),
    proxy: z.strictObject({ resources }),
    ingress: z.strictObject({
        host: hostname,
        className: dnsLabel,
        tls,
        maxBodySize: z.string().regex(/^\d+[kmg]?$/, { error: "must be an nginx size such as 512m" }),
        timeoutSeconds: int(1, 86400),
        bindAddress: z.union([z.ipv4({ error: "must be an IPv4 address such as 127.0.0.1" }), z.literal("0.0.0.0")]),
        httpPort: port,
        httpsPort: port,
        check: z.strictObject({ enabled: bool, timeoutSeconds: int(1, 3600) }),
    }),
    archive: z.strictObject({
        hotDays: int(1, 3650),
        totalDays: int(1, 36500),
    }),
    protection: z.strictObject({ protect: bool, retainOnDelete: bool }),
    secrets: z.strictObject({
        rotation: z.strictObject({ postgres: rotation, redis: rotation, minio: rotation, backend: rotation }),
    }),
    backup: z.strictObject({
        enabled: bool,
        schedule: cronSchedule,
        retentionDays: int(1, 3650),
        bucket,
    }),
};

type Shared = z.output<z.ZodObject<typeof shared>>;

/** A validated stack config: the shared keys, the chosen target's name and every target's section. */
export type QuorvexConfig = Shared & { target: TargetName; mode: Mode } & TargetSections;
export type Resources = QuorvexConfig["postgres"]["resources"];

/** The services that have a `resources` key. */
const SIZED = ["backend", "workers", "postgres", "redis", "minio", "proxy"] as const;

/** The schema of a stack config on these targets (the registry's, or a test's own). */
export function configSchemaFor(targets: readonly TargetPlugin[]) {
    const names = targets.map((t) => t.name);
    const sections = Object.fromEntries(targets.map((t) => [t.name, t.config.schema]));
    return z
        .strictObject({
            target: z.enum(names as [string, ...string[]], { error: `must be ${list(names)}` }),
            mode: z.enum(MODES, { error: `must be ${list(MODES)}` }),
            ...shared,
            ...sections,
        })
        .superRefine((raw, ctx) => {
            // The schema's own checks passed: every key has its type.
            const config = raw as unknown as QuorvexConfig;
            const rule = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
            const target = targetNamed(config.target, targets);
            const can = target.capabilities;
            const on = `on the ${target.name} target (${target.description})`;
            if (!can.modes.includes(config.mode)) {
                rule(["mode"], `must be ${list(can.modes)} ${on}: \`standard\` (one backend with browsers and VNC) runs where one host holds everything`);
            }
            if (!can.autoscalers.includes(config.workers.autoscaler)) {
                rule(["workers", "autoscaler"], `must be ${list(can.autoscalers)} ${on}, which has no other autoscaler`);
            }
            if (config.backup.enabled && !can.scheduledTasks) {
                rule(["backup", "enabled"], `must be false ${on}, which runs no scheduled task; take backups with \`npm run backup:docker\` (see README)`);
            }
            if (!can.tlsModes.includes(config.ingress.tls.mode)) {
                rule(["ingress", "tls", "mode"], `must be ${list(can.tlsModes)} ${on}`);
            }
            if (can.registryCredentials === "auth" && config.registry.pullSecrets.length) {
                rule(["registry", "pullSecrets"], `must be empty ${on}: the deploying tool pulls there, so give it registry.auth`);
            }
            if (can.registryCredentials === "pullSecrets" && config.registry.auth.length) {
                rule(["registry", "auth"], `must be empty ${on}: the cluster pulls there, so name docker-registry Secrets in registry.pullSecrets`);
            }
            for (const svc of SIZED) {
                const r = config[svc].resources;
                if (r.memory.request > r.memory.limit)
                    rule([svc, "resources", "memory", "request"], `must not exceed ${svc}.resources.memory.limit (${r.memory.limit}Mi)`);
                if (r.cpu.request > r.cpu.limit) rule([svc, "resources", "cpu", "request"], `must not exceed ${svc}.resources.cpu.limit (${r.cpu.limit}m)`);
                if (r.cpu.limit < can.minCpuLimitMilli)
                    rule(
                        [svc, "resources", "cpu", "limit"],
                        `must be at least ${can.minCpuLimitMilli}m ${on} (its provider reads a smaller limit back in another form, which would replace the container on every up)`,
                    );
            }
            sharedRules(config, rule);
            target.rules?.(config, rule);
        });
}

/** Rules between shared keys, the same on every target. */
function sharedRules(config: QuorvexConfig, rule: (path: (string | number)[], message: string) => void): void {
    if (config.archive.totalDays <= config.archive.hotDays) {
        rule(
            ["archive", "totalDays"],
            `must be greater than archive.hotDays (${config.archive.hotDays}): artifacts stay in MinIO for totalDays - hotDays days`,
        );
    }
    if (config.mode === "workers" && !config.redis.enabled) {
        rule(["redis", "enabled"], "must be true in workers mode: the browser workers are fed by the Redis job queue");
    } else if (config.workers.replicas > 0 && !config.redis.enabled) {
        rule(["redis", "enabled"], `must be true when workers.replicas is ${config.workers.replicas}: browser workers are fed by the Redis job queue`);
    }
    if (config.mode === "workers" && config.workers.autoscaler === "none" && config.workers.replicas < 1) {
        rule(["workers", "replicas"], "must be at least 1 in workers mode without an autoscaler: nothing else runs browsers");
    }
    if (config.workers.autoscaler === "keda" && !config.redis.enabled) {
        rule(["workers", "autoscaler"], "keda scales on the Redis job queue, so redis.enabled must be true");
    }
    if (config.workers.min > config.workers.max) {
        rule(["workers", "min"], `must not exceed workers.max (${config.workers.max})`);
    }
    if (config.workers.autoscaler !== "none" && config.workers.min < 1) {
        rule(["workers", "min"], "must be at least 1 with an autoscaler");
    }
    const headroom = config.workers.shmHeadroom;
    if (config.workers.resources.memory.limit - config.workers.shm < headroom) {
        rule(
            ["workers", "resources", "memory", "limit"],
            `must leave at least ${headroom}Mi of headroom (workers.shmHeadroom) above workers.shm (${config.workers.shm}Mi): /dev/shm is charged to the container's memory`,
        );
    }
    if (config.mode === "standard" && config.backend.resources.memory.limit - config.backend.shm < headroom) {
        rule(
            ["backend", "resources", "memory", "limit"],
            `must leave at least ${headroom}Mi of headroom above backend.shm (${config.backend.shm}Mi): in standard mode the backend runs the browsers`,
        );
    }
    const tlsCfg = config.ingress.tls;
    if (tlsCfg.mode === "secret" && !tlsCfg.secretName) rule(["ingress", "tls", "secretName"], "is required when ingress.tls.mode is `secret`");
    if (tlsCfg.mode === "certManager" && !tlsCfg.clusterIssuer) rule(["ingress", "tls", "clusterIssuer"], "is required when ingress.tls.mode is `certManager`");
    if (tlsCfg.mode === "provided" && !tlsCfg.certificate) rule(["ingress", "tls", "certificate"], "is required when ingress.tls.mode is `provided`");
    if (tlsCfg.mode === "provided" && !tlsCfg.key) rule(["ingress", "tls", "key"], "is required when ingress.tls.mode is `provided` (set it with --secret)");
    if (config.backup.bucket === config.minio.bucket)
        rule(["backup", "bucket"], `must differ from minio.bucket (${config.minio.bucket}): the buckets expire on different schedules`);
    if (config.ingress.httpPort === config.ingress.httpsPort) rule(["ingress", "httpsPort"], "must differ from ingress.httpPort");
    if (config.backend.port === config.backend.vncPort) rule(["backend", "vncPort"], "must differ from backend.port");
}

/** The schema of the registered targets. */
export const configSchema = configSchemaFor(TARGETS);

/** The full default config of a stack on the target named `name`, in `mode` (its default mode when omitted). */
export function defaultsFor(name: string, mode?: Mode, targets: readonly TargetPlugin[] = TARGETS): Raw {
    const target = targetNamed(name, targets);
    return defaultsOf(target, mode ?? target.capabilities.modes[0], targets);
}
