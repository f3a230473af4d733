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
import { SERVICES, type ServicePlugin, type ServiceSections } from "../components/registry";
import { TARGETS, targetNamed, type TargetName, type TargetSections } from "../targets/registry";
import type { TargetPlugin } from "../targets/plugin";
import { defaultsOf } from "./defaults";
import { bool, bucket, cronSchedule, dnsSubdomain, image, int, list, MODES, registryHost, resources, rotation, type Mode } from "./fields";
import type { Raw } from "./sizing";

export { cpu, MAX_MEMORY, MAX_STORAGE, memory, MODES, storage, type Mode } from "./fields";

/** The stack-wide keys (no service's own section), and their value types. */
const shared = {
    images: z.strictObject({
        backend: image,
        worker: image,
        postgres: image,
        redis: image,
        minio: image,
        minioClient: image,
        proxy: image,
        redisExporter: image,
        postgresExporter: image,
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
    proxy: z.strictObject({ resources }),
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

/** A validated stack config: the stack-wide keys, each service's section, the chosen target's name and every target's section. */
export type QuorvexConfig = Shared & ServiceSections & { target: TargetName; mode: Mode } & TargetSections;
export type Resources = QuorvexConfig["postgres"]["resources"];

/** The schema of a stack config on these targets, with these services (the registries', or a test's own). */
export function configSchemaFor(targets: readonly TargetPlugin[], services: readonly ServicePlugin[] = SERVICES) {
    const names = targets.map((t) => t.name);
    const sections = Object.fromEntries(targets.map((t) => [t.name, t.config.schema]));
    const own = Object.fromEntries(services.map((s) => [s.name, s.config.schema]));
    return z
        .strictObject({
            target: z.enum(names as [string, ...string[]], { error: `must be ${list(names)}` }),
            mode: z.enum(MODES, { error: `must be ${list(MODES)}` }),
            ...shared,
            ...own,
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
            for (const [name, pool] of Object.entries(config.workers.pools)) {
                if (pool.autoscaler && !can.autoscalers.includes(pool.autoscaler))
                    rule(
                        ["workers", "pools", name, "autoscaler"],
                        `must be ${list(can.autoscalers.filter((a) => a !== "keda-job"))} ${on}, which has no other autoscaler`,
                    );
            }
            if (config.backup.enabled && !can.scheduledTasks) {
                rule(
                    ["backup", "enabled"],
                    `must be false ${on}, which runs no scheduled task; take backups with \`npm run backup:docker\` (docs/operations.md)`,
                );
            }
            if (config.tasks.enabled && !can.taskNamespaces) {
                rule(["tasks", "enabled"], `must be false ${on}, which gives tasks no namespace of their own`);
            }
            if (!can.routeKinds.includes(config.ingress.kind)) {
                rule(["ingress", "kind"], `must be ${list(can.routeKinds)} ${on}`);
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
            // Every section with a `resources` key: a service's, or the proxy's.
            for (const [section, value] of Object.entries(config)) {
                const r = (value as { resources?: Resources } | null)?.resources;
                if (!r?.cpu || !r.memory) continue;
                if (r.memory.request > r.memory.limit)
                    rule([section, "resources", "memory", "request"], `must not exceed ${section}.resources.memory.limit (${r.memory.limit}Mi)`);
                if (r.cpu.request > r.cpu.limit)
                    rule([section, "resources", "cpu", "request"], `must not exceed ${section}.resources.cpu.limit (${r.cpu.limit}m)`);
                if (r.cpu.limit < can.minCpuLimitMilli)
                    rule(
                        [section, "resources", "cpu", "limit"],
                        `must be at least ${can.minCpuLimitMilli}m ${on} (its provider reads a smaller limit back in another form, which would replace the container on every up)`,
                    );
            }
            sharedRules(config, rule);
            for (const s of services) s.rules?.((config as unknown as Record<string, never>)[s.name], (path, message) => rule([s.name, ...path], message));
            target.rules?.(config, rule);
        });
}

/** Rules between sections, the same on every target (a service's own rules are its plug-in's). */
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
    const pools = Object.keys(config.workers.pools);
    if (pools.length && !config.redis.enabled) {
        rule(["redis", "enabled"], `must be true with workers.pools (${pools.join(", ")}): each pool takes its jobs from its own Redis list`);
    }
    if (config.mode === "workers" && config.workers.autoscaler === "none" && config.workers.replicas < 1) {
        rule(["workers", "replicas"], "must be at least 1 in workers mode without an autoscaler: nothing else runs browsers");
    }
    if (config.workers.autoscaler === "keda-job") {
        if (!config.tasks.enabled)
            rule(["workers", "autoscaler"], "keda-job runs each queued job as a task Job in the tasks namespace, so tasks.enabled must be true");
        else if (config.workers.max > config.tasks.quota.pods)
            rule(["workers", "max"], `must not exceed tasks.quota.pods (${config.tasks.quota.pods}) with keda-job: the quota would refuse the Jobs beyond it`);
    }
    if (config.tasks.enabled && !config.redis.enabled) {
        rule(["tasks", "enabled"], "needs redis.enabled: tasks take their jobs from the Redis queue");
    }
    if (config.workers.autoscaler.startsWith("keda") && !config.redis.enabled) {
        rule(["workers", "autoscaler"], `${config.workers.autoscaler} scales on the Redis job queue, so redis.enabled must be true`);
    }
    const headroom = config.workers.shmHeadroom;
    if (config.mode === "standard" && config.backend.resources.memory.limit - config.backend.shm < headroom) {
        rule(
            ["backend", "resources", "memory", "limit"],
            `must leave at least ${headroom}Mi of headroom above backend.shm (${config.backend.shm}Mi): in standard mode the backend runs the browsers`,
        );
    }
    if (config.backup.bucket === config.minio.bucket)
        rule(["backup", "bucket"], `must differ from minio.bucket (${config.minio.bucket}): the buckets expire on different schedules`);
}

/** The schema of the registered targets. */
export const configSchema = configSchemaFor(TARGETS);

/** The full default config of a stack on the target named `name`, in `mode` (its default mode when omitted). */
export function defaultsFor(name: string, mode?: Mode, targets: readonly TargetPlugin[] = TARGETS, services: readonly ServicePlugin[] = SERVICES): Raw {
    const target = targetNamed(name, targets);
    return defaultsOf(target, mode ?? target.capabilities.modes[0], targets, services);
}
