/**
 * The one schema of the stack config (namespace `quorvex`).
 *
 * Every key is required here: `resolveConfig` lays the user's values over
 * `defaultsFor(target, mode)` first, so a missing key takes its default and
 * an unknown key (a typo) is an error, never a silent fallback.
 * Memory is parsed to MiB and CPU to millicores.
 */
import { z } from "zod";
import { unpinnedReason } from "../policies/lib/images";
import { parseCpuMilli, parseMemoryMiB } from "./quantity";

export const TARGETS = ["docker", "kubernetes"] as const;
export const MODES = ["standard", "workers"] as const;
export type Target = (typeof TARGETS)[number];
export type Mode = (typeof MODES)[number];

/** The largest memory figure any key takes (a container limit, /dev/shm, a host's memory). */
export const MAX_MEMORY = "1Ti";
/** The largest volume a key takes (the largest single cloud block volume is 64 TiB). */
export const MAX_STORAGE = "64Ti";

/**
 * A size with its unit. A bare number is refused: Docker reads it as MiB and
 * Kubernetes as bytes, so "4" would mean two very different things.
 */
const size = (max: string, what: string) =>
    z.union([z.string(), z.number()], { error: `must be a ${what} such as 512Mi or 2Gi` }).transform((v, ctx) => {
        if (typeof v === "number" || /^\s*\d+(\.\d+)?\s*$/.test(v)) {
            ctx.addIssue({ code: "custom", message: `needs a unit, such as 512Mi or 2Gi (a bare number is MiB to Docker but bytes to Kubernetes)` });
            return z.NEVER;
        }
        const mib = parseMemoryMiB(v);
        if (mib === undefined) {
            ctx.addIssue({ code: "custom", message: `must be a ${what} such as 512Mi or 2Gi (whole MiB, above 0)` });
            return z.NEVER;
        }
        if (mib > parseMemoryMiB(max)!) {
            ctx.addIssue({ code: "custom", message: `must be at most ${max}` });
            return z.NEVER;
        }
        return mib;
    });

export const memory = size(MAX_MEMORY, "memory size");
export const storage = size(MAX_STORAGE, "volume size");

/** The smallest CPU limit the Docker provider reads back as it was sent (below, 50m comes back as "0.1"). */
export const DOCKER_MIN_CPU_LIMIT_MILLI = 100;

export const cpu = z.union([z.string(), z.number()], { error: "must be a CPU amount such as 500m or 2" }).transform((v, ctx) => {
    const milli = parseCpuMilli(v);
    if (milli === undefined) {
        ctx.addIssue({ code: "custom", message: "must be a CPU amount such as 500m or 2 (above 0)" });
        return z.NEVER;
    }
    return milli;
});

/** Integers may arrive as strings from `pulumi config set` without --path. */
const int = (min: number, max: number) =>
    z.preprocess(
        (v) => (typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : v),
        z
            .number({ error: `must be an integer from ${min} to ${max}` })
            .int({ error: `must be an integer from ${min} to ${max}` })
            .min(min, { error: `must be an integer from ${min} to ${max}` })
            .max(max, { error: `must be an integer from ${min} to ${max}` }),
    );

const bool = z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean({ error: "must be true or false" }));

const image = z
    .string({ error: "must be an image reference with an explicit tag, e.g. postgres:16.4" })
    .max(512, { error: "must be an image reference of at most 512 characters" })
    .regex(/^[a-z0-9][a-z0-9._\-/]*(:\d+\/[a-z0-9._\-/]+)?(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/, {
        error: "must be an image reference such as registry/name:tag (lowercase name)",
    })
    .refine((s) => unpinnedReason(s) === undefined, { error: "must pin an explicit tag other than `latest` (or a digest)" });

const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: "must be a DNS-1123 label (lowercase letters, digits, '-', at most 63)" });
/** An IPv4 network in CIDR notation: `169.254.0.0/16`, `10.96.0.10/32`. */
const ipv4Cidr = z.string().refine(
    (v) => {
        const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v);
        return m !== null && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
    },
    { error: "must be an IPv4 network in CIDR notation, such as 169.254.0.0/16" },
);
/** A registry host, with an optional port and path prefix: `mirror.corp.example.com:5000/hub`. */
const registryHost = z
    .string()
    .max(253, { error: "must be at most 253 characters" })
    .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/, {
        error: "must be a registry host such as registry.example.com, with an optional :port and /path",
    });
const dnsSubdomain = z
    .string()
    .regex(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: "must be a Kubernetes object name (lowercase, digits, '-', '.')" });

/** Namespaces the cluster itself owns: the stack labels, enforces and may delete its namespace. */
export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];
const platformNamespace = dnsLabel.refine((ns) => !SYSTEM_NAMESPACES.includes(ns) && !ns.startsWith("kube-"), {
    error: "must be the platform's own namespace, not `default` or a `kube-*` system namespace (the stack labels, enforces and can delete it)",
});
/** How the Docker provider reaches an engine. */
const dockerHost = z
    .string()
    .max(512, { error: "must be at most 512 characters" })
    .regex(/^(unix:\/\/\/\S+|npipe:\/\/\S+|tcp:\/\/[A-Za-z0-9.\-[\]:]+:\d{1,5}|ssh:\/\/[^\s/@]+@[A-Za-z0-9.\-[\]:]+(:\d{1,5})?)$/, {
        error: "must be a Docker engine address: unix:///path/to/docker.sock, tcp://host:2376, ssh://user@host or npipe://...",
    });
const hostname = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/, {
    error: "must be a lowercase DNS host name such as quorvex.example.com",
});
const bucket = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "must be an S3 bucket name (3-63 lowercase letters, digits, '.', '-')" });
const ident = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: "must be a lowercase SQL identifier" });
/** A rotation keeper: any short string; numbers are taken as their text. */
const rotation = z.preprocess(
    (v) => (typeof v === "number" ? String(v) : v),
    z
        .string({ error: "must be a short string (change it to rotate)" })
        .regex(/^[A-Za-z0-9._-]{1,40}$/, { error: "must be 1-40 letters, digits, '.', '_' or '-'" }),
);
const optionalString = z.union([z.string().min(1, { error: "must be a non-empty string or null" }), z.null()]);
const storageClass = z.union([dnsLabel, z.null()]);
const port = int(1, 65535);

const resources = z.strictObject({
    cpu: z.strictObject({ request: cpu, limit: cpu }),
    memory: z.strictObject({ request: memory, limit: memory }),
});

const tls = z.strictObject({
    /**
     * selfSigned: a certificate generated by the program (dev);
     * secret: an existing TLS secret (Kubernetes) named by `secretName`;
     * certManager: a cert-manager ClusterIssuer named by `clusterIssuer` (Kubernetes);
     * provided: the PEM `certificate` and `key` given in config (both targets);
     * none: plain HTTP (only for a throwaway local stack).
     */
    mode: z.enum(["selfSigned", "provided", "secret", "certManager", "none"], { error: "must be one of selfSigned, provided, secret, certManager, none" }),
    secretName: z.union([dnsLabel, z.null()]),
    clusterIssuer: z.union([dnsLabel, z.null()]),
    /** PEM certificate (chain) for `provided` mode. */
    certificate: z.union([z.string().regex(/-----BEGIN CERTIFICATE-----/, { error: "must be a PEM certificate" }), z.null()]),
    /** PEM private key for `provided` mode; set it with `pulumi config set --secret --path`. */
    key: z.union([z.string().regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, { error: "must be a PEM private key" }), z.null()]),
});

export const configSchema = z
    .strictObject({
        target: z.enum(TARGETS, { error: "must be docker or kubernetes" }),
        mode: z.enum(MODES, { error: "must be standard or workers" }),
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
            readinessPath: z.string().regex(/^\/\S*$/, { error: "must be an absolute HTTP path" }),
            livenessPath: z.string().regex(/^\/\S*$/, { error: "must be an absolute HTTP path" }),
        }),
        workers: z.strictObject({
            replicas: int(0, 1000),
            min: int(0, 1000),
            max: int(1, 1000),
            targetCpuPercent: int(1, 100),
            autoscaler: z.enum(["none", "hpa", "keda"], { error: "must be none, hpa or keda" }),
            queue: z.strictObject({
                listName: z.string().regex(/^[A-Za-z0-9:_.-]{1,128}$/, { error: "must be a Redis key name" }),
                listLength: int(1, 10000),
            }),
            resources,
            shm: memory,
            shmHeadroom: memory,
            terminationGracePeriodSeconds: int(0, 86400),
        }),
        postgres: z.strictObject({
            resources,
            storageSize: storage,
            storageClass,
            database: ident,
            user: ident,
        }),
        redis: z.strictObject({
            enabled: bool,
            resources,
            storageSize: storage,
            storageClass,
            maxmemoryPercent: int(10, 95),
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
            schedule: z.string().regex(/^(\S+\s+){4}\S+$/, { error: "must be a cron schedule of five fields, e.g. `17 3 * * *`" }),
            retentionDays: int(1, 3650),
            bucket,
        }),
        docker: z.strictObject({
            host: z.union([dockerHost, z.null()]),
            hostMemory: memory,
            publishDataPorts: bool,
        }),
        kubernetes: z.strictObject({
            namespace: platformNamespace,
            kubeconfig: optionalString,
            context: optionalString,
            renderYamlToDirectory: optionalString,
            ingressControllerNamespace: dnsLabel,
            kedaNamespace: dnsLabel,
            workerEgressPorts: z.array(port, { error: "must be a list of TCP ports" }).max(32, { error: "must list at most 32 ports" }),
            dnsResolvers: z.array(ipv4Cidr, { error: "must be a list of IPv4 networks" }).max(16, { error: "must list at most 16 networks" }),
        }),
    })
    .superRefine((c, ctx) => {
        const rule = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
        if (c.target === "docker" && c.registry.pullSecrets.length) {
            rule(["registry", "pullSecrets"], "must be empty on the docker target: the Docker provider pulls, so give it registry.auth");
        }
        if (c.target === "kubernetes" && c.registry.auth.length) {
            rule(["registry", "auth"], "must be empty on kubernetes: the cluster pulls, so name docker-registry Secrets in registry.pullSecrets");
        }
        if (c.archive.totalDays <= c.archive.hotDays) {
            rule(["archive", "totalDays"], `must be greater than archive.hotDays (${c.archive.hotDays}): artifacts stay in MinIO for totalDays - hotDays days`);
        }
        if (c.mode === "standard" && c.target !== "docker") {
            rule(["mode"], "`standard` mode (one backend with browsers and VNC) exists only on the docker target; Kubernetes runs workers mode");
        }
        if (c.mode === "workers" && !c.redis.enabled) {
            rule(["redis", "enabled"], "must be true in workers mode: the browser workers are fed by the Redis job queue");
        } else if (c.workers.replicas > 0 && !c.redis.enabled) {
            rule(["redis", "enabled"], `must be true when workers.replicas is ${c.workers.replicas}: browser workers are fed by the Redis job queue`);
        }
        if (c.target === "docker" && c.workers.autoscaler !== "none") {
            rule(["workers", "autoscaler"], "must be `none` on the docker target (a single host has no autoscaler); use hpa or keda on kubernetes");
        }
        if (c.target === "kubernetes" && c.workers.autoscaler === "none" && c.workers.replicas < 1) {
            rule(["workers", "replicas"], "must be at least 1 on kubernetes without an autoscaler");
        }
        if (c.target === "kubernetes" && c.workers.autoscaler === "keda" && !c.redis.enabled) {
            rule(["workers", "autoscaler"], "keda scales on the Redis job queue, so redis.enabled must be true");
        }
        if (c.workers.min > c.workers.max) {
            rule(["workers", "min"], `must not exceed workers.max (${c.workers.max})`);
        }
        if (c.target === "kubernetes" && c.workers.autoscaler !== "none" && c.workers.min < 1) {
            rule(["workers", "min"], "must be at least 1 with an autoscaler");
        }
        if (c.mode === "workers" && c.target === "docker" && c.workers.replicas < 1) {
            rule(["workers", "replicas"], "must be at least 1 in workers mode: nothing else runs browsers");
        }
        const headroom = c.workers.shmHeadroom;
        if (c.workers.resources.memory.limit - c.workers.shm < headroom) {
            rule(
                ["workers", "resources", "memory", "limit"],
                `must leave at least ${headroom}Mi of headroom (workers.shmHeadroom) above workers.shm (${c.workers.shm}Mi): /dev/shm is charged to the container's memory`,
            );
        }
        if (c.target === "docker" && c.mode === "standard" && c.backend.resources.memory.limit - c.backend.shm < headroom) {
            rule(
                ["backend", "resources", "memory", "limit"],
                `must leave at least ${headroom}Mi of headroom above backend.shm (${c.backend.shm}Mi): in standard mode the backend runs the browsers`,
            );
        }
        for (const svc of ["backend", "workers", "postgres", "redis", "minio", "proxy"] as const) {
            const r = c[svc].resources;
            if (r.memory.request > r.memory.limit)
                rule([svc, "resources", "memory", "request"], `must not exceed ${svc}.resources.memory.limit (${r.memory.limit}Mi)`);
            if (r.cpu.request > r.cpu.limit) rule([svc, "resources", "cpu", "request"], `must not exceed ${svc}.resources.cpu.limit (${r.cpu.limit}m)`);
            if (c.target === "docker" && r.cpu.limit < DOCKER_MIN_CPU_LIMIT_MILLI)
                rule(
                    [svc, "resources", "cpu", "limit"],
                    `must be at least ${DOCKER_MIN_CPU_LIMIT_MILLI}m on Docker (the Docker provider reads a smaller limit back in another form, which would replace the container on every up)`,
                );
        }
        const tlsCfg = c.ingress.tls;
        if (tlsCfg.mode === "secret" && !tlsCfg.secretName) rule(["ingress", "tls", "secretName"], "is required when ingress.tls.mode is `secret`");
        if (tlsCfg.mode === "certManager" && !tlsCfg.clusterIssuer)
            rule(["ingress", "tls", "clusterIssuer"], "is required when ingress.tls.mode is `certManager`");
        if (tlsCfg.mode === "provided" && !tlsCfg.certificate) rule(["ingress", "tls", "certificate"], "is required when ingress.tls.mode is `provided`");
        if (tlsCfg.mode === "provided" && !tlsCfg.key)
            rule(["ingress", "tls", "key"], "is required when ingress.tls.mode is `provided` (set it with --secret)");
        if (c.target === "docker" && (tlsCfg.mode === "secret" || tlsCfg.mode === "certManager")) {
            rule(["ingress", "tls", "mode"], "must be selfSigned, provided or none on the docker target (secret and certManager need Kubernetes)");
        }
        if (c.target === "docker" && c.backup.enabled) {
            rule(["backup", "enabled"], "scheduled backups run as a Kubernetes CronJob; on the docker target run `npm run backup:docker` (see README)");
        }
        if (c.backup.bucket === c.minio.bucket)
            rule(["backup", "bucket"], `must differ from minio.bucket (${c.minio.bucket}): the buckets expire on different schedules`);
        if (c.ingress.httpPort === c.ingress.httpsPort) rule(["ingress", "httpsPort"], "must differ from ingress.httpPort");
        if (c.backend.port === c.backend.vncPort) rule(["backend", "vncPort"], "must differ from backend.port");
    });

export type QuorvexConfig = z.output<typeof configSchema>;
export type Resources = QuorvexConfig["postgres"]["resources"];
