import * as pulumi from "@pulumi/pulumi";
import type { DatabaseConnection, QueueConnection } from "./connections";
import { asFile, type ResourceBudget, type ServiceHandle, type StatelessServiceSpec, type Target } from "../targets/contract";

/** The exporters' roles: their services' names, and the consumers they connect as (`exporters.enabled`). */
export const EXPORTERS = { postgres: "postgres-exporter", redis: "redis-exporter" } as const;

/** The exporters a stack runs, by role (null: not run): Postgres's with `exporters.enabled`, Redis's where Redis runs too. */
export function exportersOf(c: { exporters: { enabled: boolean }; redis: { enabled: boolean } }): { postgres: string | null; redis: string | null } {
    return { postgres: c.exporters.enabled ? EXPORTERS.postgres : null, redis: c.exporters.enabled && c.redis.enabled ? EXPORTERS.redis : null };
}

/** Where an exporter serves its metrics. */
export const METRICS_PATH = "/metrics";

export interface ExporterArgs {
    target: Target;
    image: string;
    port: number;
    resources: ResourceBudget;
}

export interface RedisExporterArgs extends ExporterArgs {
    /** Its own ACL user (statistics and the queues' lengths: `REDIS_ACCESS.metrics`). */
    queue: QueueConnection;
    /** The lists whose length it reports (`redis_key_size{key=...}`): every browser pool's queue. */
    queueNames: string[];
}

export interface PostgresExporterArgs extends ExporterArgs {
    /** Its own role (`pg_monitor`: the server's statistics, no table's rows). */
    database: DatabaseConnection;
}

/**
 * What both exporters share: a small stateless service that reads one data service, its metrics
 * port scraped and published on the Docker host's loopback only.
 */
function exporterSpec(
    role: string,
    args: ExporterArgs,
    image: { user: { uid: number; gid: number }; health: string },
    reads: ServiceHandle,
): StatelessServiceSpec {
    const probe = { http: { path: image.health, port: args.port } };
    return {
        role,
        component: "monitoring",
        image: args.image,
        resources: args.resources,
        user: image.user,
        replicas: 1,
        ports: [{ name: "metrics", port: args.port, hostBinding: { ip: "127.0.0.1", port: args.port }, scrape: { path: METRICS_PATH } }],
        health: { readiness: probe, liveness: probe, startupSeconds: 10 },
        terminationGracePeriodSeconds: 5,
        connectsTo: [reads],
        waitFor: [reads],
    };
}

/**
 * The Redis exporter (oliver006/redis_exporter): memory against `maxmemory`, clients, and the
 * length of each browser pool's queue, as a user that may run INFO and read those lengths only.
 */
export class RedisExporter extends pulumi.ComponentResource {
    public readonly service: ServiceHandle;

    constructor(name: string, args: RedisExporterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("quorvex:platform:RedisExporter", name, {}, opts);
        const q = args.queue;
        this.service = args.target.statelessService(
            {
                ...exporterSpec(name, args, { user: { uid: 59000, gid: 59000 }, health: "/health" }, q.service),
                env: {
                    REDIS_ADDR: `redis://${q.host}:${q.port}`,
                    REDIS_USER: q.user,
                    // Not a file: the exporter's password file is a JSON map of addresses, not a password.
                    REDIS_PASSWORD: q.password,
                    REDIS_EXPORTER_WEB_LISTEN_ADDRESS: `:${args.port}`,
                    REDIS_EXPORTER_CHECK_SINGLE_KEYS: args.queueNames.map((k) => `0=${k}`).join(","),
                    // Only what INFO and the lists' lengths give (its user may do no more): no CONFIG GET,
                    // no CLIENT SETNAME, no LATENCY. `maxmemory` comes from INFO.
                    REDIS_EXPORTER_CONFIG_COMMAND: "-",
                    REDIS_EXPORTER_SET_CLIENT_NAME: "false",
                    REDIS_EXPORTER_EXCLUDE_LATENCY_HISTOGRAM_METRICS: "true",
                },
            },
            { parent: this },
        );
        this.registerOutputs({ port: args.port });
    }
}

/** The Postgres exporter (prometheus-community/postgres_exporter): connections, their limit, database sizes, as a `pg_monitor` role. */
export class PostgresExporter extends pulumi.ComponentResource {
    public readonly service: ServiceHandle;

    constructor(name: string, args: PostgresExporterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("quorvex:platform:PostgresExporter", name, {}, opts);
        const db = args.database;
        this.service = args.target.statelessService(
            {
                ...exporterSpec(name, args, { user: { uid: 65534, gid: 65534 }, health: "/" }, db.service),
                args: [`--web.listen-address=:${args.port}`],
                env: {
                    DATA_SOURCE_URI: `${db.host}:${db.port}/${db.database}?sslmode=disable`,
                    DATA_SOURCE_USER: db.user,
                    DATA_SOURCE_PASS: asFile(db.password),
                },
                // Its role exists once the roles task has run.
                after: db.setup,
            },
            { parent: this },
        );
        this.registerOutputs({ port: args.port });
    }
}
