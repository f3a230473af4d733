/**
 * The stack outputs contract: what other teams read through `StackReference`.
 *
 * Flat, separately named outputs (one secret inside an object would make the
 * whole object secret), the same names on every target, `null` where a value
 * does not apply. A breaking change (an output removed or renamed, its type
 * changed, a plain output becoming secret or the reverse) bumps the major
 * `CONTRACT_VERSION`; adding an output bumps the minor.
 *
 * 2.0.0 (least privilege): the credentials are other teams' own, read-only,
 * never a root or superuser one. The names are those of 1.x; what they grant
 * is not (docs/outputs.md says how to migrate).
 *
 * 2.1.0: where ephemeral browser tasks run (`tasksNamespace`) and the template
 * their Jobs follow (`taskTemplate`); null without them.
 *
 * 2.2.0: what carries `backendUrl` (`routeKind`): the stack's own proxy, an
 * Ingress, or a Gateway API HTTPRoute.
 *
 * 2.3.0: every browser pool (`workerPools`: the default one first, then
 * `workers.pools`), each with its queue and its bounds.
 */
import { z } from "zod";

export const CONTRACT_VERSION = "2.3.0";

const nullableString = z.string().nullable();
const port = z.number().int().min(1).max(65535);

export const outputsSchema = z.strictObject({
    contractVersion: z.string().regex(/^2\.\d+\.\d+$/),
    stack: z.string(),
    /** A target's name, as `quorvex:target` says: the set grows with the registry, so the contract takes any. */
    target: z.string().regex(/^[a-z][a-z0-9-]*$/),
    mode: z.enum(["standard", "workers"]),
    /** Kubernetes namespace; null on Docker. */
    namespace: nullableString,
    /** Public URL through the ingress. */
    backendUrl: z.url(),
    /** URL inside the platform network (Docker network / cluster DNS). */
    backendInternalUrl: z.url(),
    ingressHost: z.string(),
    routeKind: z.enum(["proxy", "ingress", "httproute"]),
    postgresHost: z.string(),
    postgresPort: port,
    postgresDatabase: z.string(),
    postgresUser: z.string(),
    postgresPassword: z.string(),
    databaseUrl: z.string().startsWith("postgresql://"),
    /** null when Redis is disabled (standard mode only). */
    redisHost: nullableString,
    redisPort: port.nullable(),
    redisUrl: nullableString,
    minioEndpoint: z.url(),
    minioBucket: z.string(),
    minioAccessKey: z.string(),
    minioSecretKey: z.string(),
    /** null when there is no worker pool (Redis disabled); 0/0 in standard mode without workers. */
    workerPoolName: nullableString,
    workerPoolMinReplicas: z.number().int().min(0).nullable(),
    workerPoolMaxReplicas: z.number().int().min(0).nullable(),
    browserJobQueue: nullableString,
    /** Every pool, the default one (`workerPoolName`) first; [] without Redis. */
    workerPools: z.array(
        z.strictObject({
            name: z.string(),
            queue: z.string(),
            minReplicas: z.number().int().min(0),
            maxReplicas: z.number().int().min(0),
        }),
    ),
    archiveHotDays: z.number().int().min(1),
    archiveTotalDays: z.number().int().min(1),
    /** Kubernetes, with `tasks.enabled`: the tasks namespace; null otherwise. */
    tasksNamespace: nullableString,
    /** The ConfigMap (in the tasks namespace) whose `job.json` is the Job every task must be created from; null without tasks. */
    taskTemplate: nullableString,
});

export type StackOutputs = z.infer<typeof outputsSchema>;
export type OutputName = keyof StackOutputs;

/** Outputs that are secret on every stack; every other output is plain. */
export const SECRET_OUTPUTS = ["postgresPassword", "databaseUrl", "redisUrl", "minioAccessKey", "minioSecretKey"] as const satisfies readonly OutputName[];

export const OUTPUT_NAMES = Object.keys(outputsSchema.shape) as OutputName[];

/** One line per output, for the outputs table (docs/outputs.md). */
export const OUTPUT_DOCS: Record<OutputName, string> = {
    contractVersion: "Version of this contract (semver; major = breaking).",
    stack: "Stack name.",
    target: "The target the stack deploys to (`quorvex:target`).",
    mode: "`standard` or `workers`.",
    namespace: "Kubernetes namespace; null on Docker.",
    backendUrl: "Public URL through the ingress / proxy.",
    backendInternalUrl: "Backend URL inside the Docker network or the cluster.",
    ingressHost: "Public host name.",
    routeKind: "What carries `backendUrl`: `proxy` (the Docker host's own), `ingress` (a Kubernetes Ingress) or `httproute` (a Gateway API HTTPRoute).",
    postgresHost: "Postgres host inside the network / cluster.",
    postgresPort: "Postgres port.",
    postgresDatabase: "Database name.",
    postgresUser: "Other teams' read-only role (`<postgres.user>_reader`: SELECT on the application's tables).",
    postgresPassword: "That role's password.",
    databaseUrl: "`postgresql://<user>_reader:password@host:5432/db`: read-only.",
    redisHost: "Redis host; null when Redis is disabled.",
    redisPort: "Redis port; null when Redis is disabled.",
    redisUrl: "`redis://reader:password@host:6379/0`: an ACL user that reads the queues' keys only (every pool's); null when Redis is disabled.",
    minioEndpoint: "MinIO S3 endpoint inside the network / cluster.",
    minioBucket: "Artifact bucket.",
    minioAccessKey: "Other teams' MinIO user (`other-teams`): reads and lists the artifact bucket, nothing else.",
    minioSecretKey: "That user's secret key.",
    workerPoolName: "Name of the browser worker pool; null when there is none.",
    workerPoolMinReplicas: "Fewest workers (autoscaler minimum or the fixed count).",
    workerPoolMaxReplicas: "Most workers (autoscaler maximum or the fixed count).",
    browserJobQueue: "Redis list the backend queues browser jobs on (the default pool's); null without Redis.",
    workerPools:
        "Every browser pool, the default one first: `{name, queue, minReplicas, maxReplicas}` (its objects' name, its Redis list, its autoscaler's bounds or fixed count); `[]` without Redis.",
    archiveHotDays: "`ARCHIVE_HOT_DAYS`.",
    archiveTotalDays: "`ARCHIVE_TOTAL_DAYS`.",
    tasksNamespace: "The namespace of ephemeral browser tasks (`tasks.enabled`); null without them.",
    taskTemplate: "The ConfigMap there whose `job.json` is the Job every task is created from (docs/tasks.md); null without tasks.",
};
